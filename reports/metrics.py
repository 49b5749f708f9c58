"""Measures computed from a run's tables, for runs whose journal does not already hold them.

The rules are the probes' own (:mod:`sim.checks.measures`, pure functions of
the tables); nothing here runs a simulation.
"""
from __future__ import annotations

import pandas as pd

from chaosbench.sim.checks.measures import recovery_time


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
    for kind, start, stop in zip(faults["kind"], faults["start"], faults["end"], strict=True):
        stop = end if stop is None or pd.isna(stop) else float(stop)
        windows.append((str(kind), float(start), max(float(start), stop)))
    return windows


def recovery_after_faults(series: pd.DataFrame, faults: pd.DataFrame | None, warmup: float = 0.0) -> float:
    """Seconds from the last fault's end until the queue is back within its pre-fault range.

    The rule is the ``recovery_time`` probe's (:func:`sim.checks.measures.recovery_time`); a fault without
    an end lasts until the run's last sample. NaN when the run had no faults, infinity when the queue never
    settled within the run.
    """
    end = float(series["time"].max()) if not series.empty else 0.0
    windows = fault_windows(faults, end)
    if not windows or series.empty:
        return float("nan")
    spans = pd.DataFrame(windows, columns=["kind", "start", "end"])
    return recovery_time(series, spans, warmup)
