"""Measures computed from a run's tables, for runs whose journal does not already hold them."""
from __future__ import annotations

import numpy as np
import pandas as pd


def sla_compliance(tasks: pd.DataFrame, *, warmup: float, end: float) -> float:
    """Share of tasks enqueued after ``warmup`` that finished by their deadline.

    Only tasks whose fate is known count: finished ones, and unfinished ones
    whose deadline passed before ``end`` (the ``sla_compliance`` probe's rule).
    1.0 when no task counts.
    """
    tasks = tasks[tasks["enqueued_at"] >= warmup]
    known = tasks[(tasks["outcome"] != "in_flight") | (tasks["deadline"] < end)]
    if known.empty:
        return 1.0
    met = (known["outcome"] == "completed") & (known["finished_at"] <= known["deadline"])
    return float(met.mean())


def latencies(tasks: pd.DataFrame) -> pd.DataFrame:
    """Completed tasks' ``priority``, ``wait`` (enqueue to start) and ``end_to_end`` (enqueue to finish), in seconds."""
    done = tasks[tasks["outcome"] == "completed"]
    return pd.DataFrame({
        "priority": done["priority"].to_numpy(),
        "wait": (done["started_at"] - done["enqueued_at"]).to_numpy(),
        "end_to_end": (done["finished_at"] - done["enqueued_at"]).to_numpy(),
    })


def fault_windows(faults: pd.DataFrame | None, end: float) -> list[tuple[str, float, float]]:
    """``(kind, start, end)`` of each fault; a fault without an end lasts until ``end``."""
    if faults is None or faults.empty:
        return []
    windows = []
    for kind, start, stop in zip(faults["kind"], faults["start"], faults["end"]):
        stop = end if stop is None or pd.isna(stop) else float(stop)
        windows.append((str(kind), float(start), max(float(start), stop)))
    return windows


def recovery_time(series: pd.DataFrame, faults: pd.DataFrame) -> float:
    """Seconds from the last fault's end until the total queue depth is back to its pre-fault level.

    The pre-fault level is the 95th percentile of ``depth_total`` over the
    samples before the first fault starts (0 when there are none). NaN when
    the run had no faults or the queue never got back within the run.
    """
    end = float(series["time"].max()) if not series.empty else 0.0
    windows = fault_windows(faults, end)
    if not windows or series.empty:
        return float("nan")
    first = min(start for _, start, _ in windows)
    last = max(stop for _, _, stop in windows)
    before = series.loc[series["time"] < first, "depth_total"]
    level = float(np.percentile(before, 95)) if len(before) else 0.0
    after = series[(series["time"] >= last) & (series["depth_total"] <= level)]
    return float(after["time"].iloc[0] - last) if len(after) else float("nan")
