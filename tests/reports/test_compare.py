"""``chaosbench compare`` and ``suite --baseline``: the current results against a baseline, run by run."""
from __future__ import annotations

import json
import math

import pytest
import yaml

from chaosbench.cli.main import main
from chaosbench.reports.compare import ProbeValue, RunKey, RunPoint, _judge, compare
from chaosbench.sim.run.verdict import Verdict
from tests.conftest import mmc_document
from tests.reports.html_check import Page
from tests.sim.test_safeguard_switches import NEEDS_REASSIGNMENT

#: NEEDS_REASSIGNMENT beside a scenario that needs no safeguard, so that one pair moves and one does not.
STEADY = mmc_document(name="steady", duration="120s", warmup="10s")


@pytest.fixture(scope="module")
def suites(tmp_path_factory):
    """Three seeds of the suite as it is (``a``), again (``again``), and with worker reassignment off (``b``)."""
    root = tmp_path_factory.mktemp("compare")
    for document in (NEEDS_REASSIGNMENT, STEADY):
        (root / f"{document['name']}.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    (root / "suite.yaml").write_text(yaml.safe_dump({"name": "s", "scenarios": ["needs_reassignment.yaml",
                                                                                 "steady.yaml"]}))
    common = ["suite", str(root / "suite.yaml"), "--seeds", "3", "--no-db", "--json"]
    assert main([*common, "--out", str(root / "a")]) == 0
    assert main([*common, "--out", str(root / "again")]) == 0
    assert main([*common, "--out", str(root / "b"), "--without", "worker_reassignment"]) == 1
    return root


def test_compare_a_with_itself_exits_0_with_no_differences(suites, capsys):
    capsys.readouterr()
    assert main(["compare", str(suites / "a"), str(suites / "again"), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)["comparison"]
    assert found["regressed"] is False and found["paired"] == 6
    assert found["digests_changed"] == [] and found["verdicts_flipped"] == []
    assert all(probe["difference"] == 0 for probe in found["probes"]) and len(found["probes"]) == 2


def test_compare_against_runs_without_a_safeguard_that_matters_exits_1_naming_the_probe_and_scenario(suites, capsys):
    capsys.readouterr()
    assert main(["compare", str(suites / "a"), str(suites / "b")]) == 1
    printed = capsys.readouterr().out
    assert "REGRESSED" in printed
    assert "REGRESSED needs_reassignment[level0-seed1]: passed -> failed" in printed
    assert "--without worker_reassignment" in printed  # the reproduce command of the regression
    assert "WORSE  needs_reassignment level 0 sla_compliance:" in printed
    assert "steady" not in printed.split("\n", 1)[1]  # the scenario no safeguard guards did not move


def test_the_comparison_pairs_by_seed_and_gives_a_paired_interval(suites):
    comparison = compare(suites / "a", suites / "b")
    (moved,) = [change for change in comparison.probes if change.changed]
    assert (moved.scenario, moved.probe, moved.pairs, moved.op) == ("needs_reassignment", "sla_compliance", 3, ">=")
    assert moved.difference < 0 and moved.low <= moved.difference <= moved.high and moved.worse
    assert {key.scenario for key in comparison.digests_changed} == {"needs_reassignment"}
    assert [flip.regressed for flip in comparison.flips] == [True] * 3 and comparison.regressed


def test_markdown_for_a_pull_request_and_the_html_section(suites, tmp_path, capsys):
    assert main(["compare", str(suites / "a"), str(suites / "b"), "--md", str(tmp_path / "c.md"),
                 "--html", str(tmp_path / "c.html")]) == 1
    markdown = (tmp_path / "c.md").read_text(encoding="utf-8")
    assert markdown.startswith("## chaosbench: against the baseline\n\n❌ **Regressed**: 6 run(s) paired")
    assert "| ❌ `needs_reassignment[level0-seed1]` | passed | failed |" in markdown
    assert "| `needs_reassignment` | 0 | `sla_compliance` | >= 1 |" in markdown and "**worse**" in markdown
    html = (tmp_path / "c.html").read_text(encoding="utf-8")
    assert '<section class="comparison" data-regressed="true">' in html
    assert Page(html).sections == ["needs_reassignment", "steady"]


def test_suite_with_a_baseline_compares_in_one_step(suites, tmp_path, capsys):
    capsys.readouterr()
    status = main(["suite", str(suites / "suite.yaml"), "--seeds", "3", "--no-db", "--out", str(tmp_path / "c"),
                   "--without", "worker_reassignment", "--baseline", str(suites / "a"), "--json",
                   "--md", str(tmp_path / "s.md")])
    found = json.loads(capsys.readouterr().out)
    assert status == 1 and found["comparison"]["regressed"] is True and found["ok"] is False
    assert "### chaosbench: against the baseline" in (tmp_path / "s.md").read_text(encoding="utf-8")
    same = main(["suite", str(suites / "suite.yaml"), "--seeds", "3", "--no-db", "--out", str(tmp_path / "d"),
                 "--baseline", str(suites / "a"), "--json"])
    assert same == 0 and json.loads(capsys.readouterr().out)["comparison"]["regressed"] is False


def test_a_missing_side_or_nothing_in_common_is_bad_input(suites, tmp_path, capsys):
    assert main(["compare", str(suites / "a"), str(tmp_path / "missing")]) == 2
    assert "no such run directory or folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["compare", str(suites / "a"), str(tmp_path / "empty")]) == 2
    assert "no runs found" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["compare", str(suites / "a"), str(suites / "b"), "--tolerance", "-1"])
    assert usage.value.code == 2 and "--tolerance: expected a finite number of 0 or more" in capsys.readouterr().err


def _point(seed: int, value: float, verdict: Verdict = Verdict.PASSED) -> RunPoint:
    return RunPoint(RunKey("s", "", 0, seed), verdict, f"d{seed}{value}",
                    {"latency[wait p99]": ProbeValue(value, "<=", 30.0, "s")}, "run")


def test_a_probe_is_worse_only_when_its_whole_interval_moved_toward_the_bound_beyond_the_tolerance():
    probe = ProbeValue(0.0, "<=", 30.0, "s")
    assert _judge(probe, 2.0, math.nan, math.nan, 0.0) == (True, False)  # one pair: the change itself
    assert _judge(probe, 2.0, math.nan, math.nan, 0.1) == (False, False)  # within 10% of the 30 s bound
    assert _judge(probe, 2.0, -1.0, 5.0, 0.0) == (False, False)  # the interval holds no change: noise
    assert _judge(probe, -4.0, -6.0, -2.0, 0.0) == (False, True)
    at_least = ProbeValue(0.0, ">=", 0.99, "ratio")
    assert _judge(at_least, -0.05, -0.07, -0.03, 0.0) == (True, False)
    assert _judge(ProbeValue(0.0, "", math.nan, ""), 5.0, math.nan, math.nan, 0.0) == (False, False)


def test_a_recovery_that_never_came_is_infinitely_worse(monkeypatch):
    import importlib

    module = importlib.import_module("chaosbench.reports.compare")

    before = {point.key: point for point in (_point(1, 10.0), _point(2, 12.0))}
    after = {point.key: point for point in (_point(1, math.inf, Verdict.FAILED), _point(2, 12.0))}
    monkeypatch.setattr(module, "run_points", lambda results, skipped=None: before if results == "a" else after)
    comparison = compare("a", "b")
    (change,) = comparison.probes
    assert change.difference == math.inf and change.worse and len(comparison.regressions) == 1
    assert json.loads(json.dumps(comparison.to_json()))["probes"][0]["difference"] is None
