"""The history of the memory database: each scenario's verdicts over its runs, and the score over time."""
from __future__ import annotations

import pandas as pd
import pytest

from chaosbench.cli.main import main
from chaosbench.reports import figures
from chaosbench.reports.trend import history_frame, score_over_time, trend_table
from chaosbench.sim.difficulty.memory import MemoryDB
from tests.conftest import mmc_document


def _runs(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["scenario", "level", "passed", "started_at", "round", "probes",
                                       "failed_probes", "broken_invariants", "canary"])


def test_the_score_per_round_follows_the_report_formula_and_leaves_canaries_out():
    runs = _runs([("a", 0, True, "2026-01-01T00:00:00+00:00", 0, 2, [], [], False),
                  ("b", 1, False, "2026-01-01T00:01:00+00:00", 0, 2, ["x"], [], False),
                  ("canary_x", 0, False, "2026-01-01T00:02:00+00:00", 0, 1, ["y"], [], True),
                  ("a", 0, False, "2026-01-02T00:00:00+00:00", 1, 2, ["x"], ["liveness"], False)])
    frame = history_frame(runs)
    scores = score_over_time(frame)
    # Round 0: a passed (weight 1, credit 1), b held 1 of 2 probes (weight 2, credit 0.25): 100 * 1.5 / 3.
    assert scores["batch"].tolist() == ["round 0", "round 1"]
    assert scores["score"].tolist() == [pytest.approx(50.0), 0.0] and scores["runs"].tolist() == [2, 1]
    table = trend_table(frame).set_index("scenario")
    assert table.loc["a", "latest verdicts"] == "✓✗" and table.loc["canary_x", "latest verdicts"] == "✓"
    assert table.loc["canary_x", "score (latest)"] == 100.0  # a canary that failed, as it must


def test_runs_without_a_round_are_batched_by_day_and_only_the_named_scenarios_are_kept():
    runs = _runs([("a", 0, True, "2026-01-01T08:00:00+00:00", None, 1, [], [], None),
                  ("a", 0, True, "2026-01-01T09:00:00+00:00", None, 1, [], [], None),
                  ("b", 0, False, "2026-01-02T08:00:00+00:00", None, None, ["x"], [], None)])
    frame = history_frame(runs, scenarios=["a"])
    assert set(frame["scenario"]) == {"a"} and score_over_time(frame)["batch"].tolist() == ["2026-01-01"]
    # A run recorded before the table kept its probe count gets no partial credit.
    assert history_frame(runs)["credit"].tolist() == [1.0, 1.0, 0.0]
    assert figures.history(frame) is not None and figures.history(history_frame(None)) is None


def test_a_report_naming_the_database_of_its_suite_shows_the_history_of_its_scenarios(tmp_path, capsys):
    import yaml

    for name in ("a", "b"):
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(mmc_document(name=name, duration="120s",
                                                                           warmup="10s")))
    (tmp_path / "suite.yaml").write_text(yaml.safe_dump({"name": "s", "scenarios": ["a.yaml", "b.yaml"]}))
    db = tmp_path / "memory.sqlite"
    for _ in range(2):
        assert main(["suite", str(tmp_path / "suite.yaml"), "--out", str(tmp_path / "runs"), "--db", str(db)]) == 0
    with MemoryDB(db) as memory:
        recorded = memory.query("runs")
    assert recorded["probes"].tolist() == [1] * 4 and recorded["canary"].tolist() == [False] * 4
    assert main(["report", str(tmp_path / "runs" / "a"), "--db", str(db), "--html", str(tmp_path / "r.html")]) == 0
    text = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'id="history"' in text and 'alt="History"' in text and "<td>✓✓</td>" in text
    history = text[text.index('id="history"'):text.index('id="ladder"')]
    assert "<td>a</td>" in history and "<td>b</td>" not in history  # only the report's own scenarios
