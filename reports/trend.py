"""The history the memory database keeps: each scenario's verdicts over its recorded runs, and the score over time.

Read from the database's ``runs`` table (one row per recorded run, with its
start time, level, verdict, failed probes and broken invariants). A run's
credit and the score follow :mod:`reports.score`; a run recorded before the
table kept its probe count gets no partial credit when it failed. Runs are
grouped into *batches* for the score: a round of the chaos loop, else a day.
"""
from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

import pandas as pd

from chaosbench.reports.score import run_credit
from chaosbench.sim.run.verdict import Verdict, is_canary, verdict

if TYPE_CHECKING:
    # matplotlib is loaded only when a figure is drawn.
    from matplotlib.figure import Figure

#: Latest runs per scenario whose verdicts the trend table spells out.
LATEST = 10
#: How each verdict is drawn on the history figure: marker, colour, filled.
_MARKS = {Verdict.PASSED: ("o", "#1e8449", True), Verdict.FAILED: ("X", "#c0392b", True),
          Verdict.EXPECTED_FAILURE: ("o", "#1e8449", False), Verdict.CANARY_PASSED: ("X", "#e67e22", True)}
_SYMBOLS = {Verdict.PASSED: "✓", Verdict.FAILED: "✗", Verdict.EXPECTED_FAILURE: "✓", Verdict.CANARY_PASSED: "✗"}


def history_frame(memory_runs: pd.DataFrame | None, scenarios: Collection[str] = ()) -> pd.DataFrame:
    """The recorded runs (of ``scenarios`` when given), oldest first, with ``time``, ``verdict``, ``credit``,
    ``weight`` (1 + level) and ``batch``; empty when the database has none."""
    needed = {"scenario", "level", "passed", "started_at"}
    if memory_runs is None or memory_runs.empty or not needed <= set(memory_runs.columns):
        return pd.DataFrame(columns=["scenario", "level", "time", "verdict", "credit", "weight", "batch", "canary"])
    frame = memory_runs.copy()
    if scenarios:
        frame = frame[frame["scenario"].isin(list(scenarios))]
    frame["time"] = pd.to_datetime(frame["started_at"], utc=True, errors="coerce")
    frame = frame.dropna(subset=["time"]).sort_values(["time", "scenario"]).reset_index(drop=True)
    canary_column = frame["canary"] if "canary" in frame else pd.Series([None] * len(frame), index=frame.index)
    frame["canary"] = [bool(flag) if flag is not None and not pd.isna(flag) else is_canary(str(name), ())
                       for name, flag in zip(frame["scenario"], canary_column, strict=True)]
    frame["verdict"] = [verdict(bool(passed), canary) for passed, canary in zip(frame["passed"], frame["canary"],
                                                                                strict=True)]
    frame["credit"] = [_credit(row) for row in frame.to_dict("records")]
    frame["weight"] = 1.0 + frame["level"].astype(float)
    rounds = frame["round"] if "round" in frame else pd.Series([None] * len(frame), index=frame.index)
    frame["batch"] = [f"round {int(number)}" if number is not None and not pd.isna(number) else time.date().isoformat()
                      for number, time in zip(rounds, frame["time"], strict=True)]
    return frame


def _credit(row: dict[str, object]) -> float:
    failed = row.get("failed_probes")
    broken = row.get("broken_invariants")
    probes = row.get("probes")
    count = int(probes) if isinstance(probes, (int, float)) and not pd.isna(probes) else 0
    return run_credit(bool(row["passed"]), count, len(failed) if isinstance(failed, list) else 0,
                      len(broken) if isinstance(broken, list) else 0)


def score_over_time(frame: pd.DataFrame) -> pd.DataFrame:
    """Per batch: when it started, its runs (canaries left out) and their resilience score (0–100)."""
    counted = frame[~frame["canary"].astype(bool)]
    if counted.empty:
        return pd.DataFrame(columns=["batch", "time", "runs", "score"])
    rows = [{"batch": batch, "time": group["time"].min(), "runs": len(group),
             "score": 100.0 * float((group["weight"] * group["credit"]).sum() / group["weight"].sum())}
            for batch, group in counted.groupby("batch", sort=False)]
    return pd.DataFrame(rows).sort_values("time").reset_index(drop=True)


def trend_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per scenario: runs recorded, first and last, the score of its earliest and of its latest
    :data:`LATEST` runs, and the verdicts of those latest runs, oldest first (✓ ok, ✗ not)."""
    rows = []
    for scenario, group in frame.groupby("scenario", sort=True):
        latest, earliest = group.tail(LATEST), group.head(LATEST)
        rows.append({"scenario": scenario, "runs": len(group),
                     "first": group["time"].min().strftime("%Y-%m-%d %H:%M"),
                     "last": group["time"].max().strftime("%Y-%m-%d %H:%M"),
                     "score (earliest)": round(_score(earliest), 1), "score (latest)": round(_score(latest), 1),
                     "latest verdicts": "".join(_SYMBOLS[Verdict(v)] for v in latest["verdict"])})
    return pd.DataFrame(rows, columns=["scenario", "runs", "first", "last", "score (earliest)", "score (latest)",
                                       "latest verdicts"])


def _score(group: pd.DataFrame) -> float:
    if group["canary"].all():
        return 100.0 * float(group["verdict"].map(lambda v: Verdict(v).ok).mean())
    return 100.0 * float((group["weight"] * group["credit"]).sum() / group["weight"].sum())


def history(frame: pd.DataFrame) -> Figure | None:
    """Score per batch over time (top) and every recorded run's verdict per scenario (below); None without runs."""
    if frame.empty:
        return None
    from matplotlib.figure import Figure

    scenarios = sorted(frame["scenario"].unique())
    figure = Figure(figsize=(9, 1.6 + 0.32 * len(scenarios) + 1.4), layout="constrained")
    top, strip = figure.subplots(2, 1, sharex=True, height_ratios=(1.4, 0.32 * len(scenarios) + 0.6))
    scores = score_over_time(frame)
    if not scores.empty:
        top.plot(scores["time"], scores["score"], marker="o", color="#2e86c1")
    top.set_ylim(-3, 103)
    top.set_ylabel("resilience score")
    top.set_title("History from the memory database: score per batch, and each run's verdict")
    top.grid(alpha=0.3)
    for mark, (marker, colour, filled) in _MARKS.items():
        chosen = frame[frame["verdict"] == mark]
        if chosen.empty:
            continue
        rows = chosen["scenario"].map(scenarios.index)
        strip.scatter(chosen["time"], rows, marker=marker, s=36, label=str(mark),
                      facecolors=colour if filled else "none", edgecolors=colour)
    strip.set_yticks(range(len(scenarios)), scenarios, fontsize="small")
    strip.set_ylim(len(scenarios) - 0.5, -0.5)
    strip.set_xlabel("recorded (UTC)")
    strip.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="x-small")
    strip.grid(alpha=0.3, axis="x")
    return figure
