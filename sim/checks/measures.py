"""Pure measures of a run's tables, shared by the probes and the reports.

Functions of pandas frames only: no SimPy, no stack, so the reports can
measure a run they only read. Tasks enqueued during the warm-up are left out
of every task-based measure.

*SLA compliance* is the share of accepted tasks that finished by their
deadline, among those whose fate is known by the end of the run: tasks
rejected at the door or denied by governance are left out (they were never
the stack's work to finish); shed, expired, failed and dead-lettered tasks
count as misses; a task still in flight counts once its deadline has passed.

*Lost tasks* are the measured tasks the stack accepted and never did: those
that ended ``failed`` (such as a killed worker's task when reassignment is off) or
``dead_lettered`` (a task interrupted as many times as it may be).

*Recovery time* measures how long the stack takes to settle once the last
fault has ended. The stack has settled when the total queue depth is back
within its pre-fault range: at or below the 95th percentile of the depth
sampled between the warm-up and the first fault (and at least 1 task). The
recovery time is the time from the end of the last fault to the first sample
where that holds; infinity when it never does within the run.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from chaosbench.sim.checks.rows import Rows, rows_of

#: The columns of the tasks table the task-based measures read.
TASK_COLUMNS = ("enqueued_at", "started_at", "finished_at", "deadline", "priority", "outcome")


def measured_tasks(tasks: pd.DataFrame, warmup: float, priority: str | None = None) -> pd.DataFrame:
    """The tasks enqueued from ``warmup`` on, of one priority when given."""
    tasks = tasks[tasks["enqueued_at"] >= warmup]
    if priority is not None:
        tasks = tasks[tasks["priority"] == priority]
    return tasks


def sla_compliance(tasks: Rows | pd.DataFrame, *, warmup: float, end: float, priority: str | None = None) -> float:
    """Share of the measured tasks that finished by their deadline (see above); 1.0 when no task counts."""
    known = met = 0
    for chunk in rows_of(tasks).chunks(TASK_COLUMNS):
        chunk = measured_tasks(chunk, warmup, priority)
        chunk = chunk[~chunk["outcome"].isin(("rejected", "denied"))]
        chunk = chunk[(chunk["outcome"] != "in_flight") | (chunk["deadline"] < end)]
        known += len(chunk)
        met += int(((chunk["outcome"] == "completed") & (chunk["finished_at"] <= chunk["deadline"])).sum())
    return met / known if known else 1.0


#: Task outcomes that mean the work was accepted and then lost.
LOST_OUTCOMES = ("failed", "dead_lettered")


def lost_tasks(tasks: Rows | pd.DataFrame, *, warmup: float, priority: str | None = None) -> int:
    """How many of the measured tasks, of one priority when given, were lost (see above)."""
    return rows_of(tasks).count(TASK_COLUMNS, lambda chunk: measured_tasks(chunk, warmup, priority)["outcome"]
                                .isin(LOST_OUTCOMES))


def settle_threshold(timeseries: pd.DataFrame, warmup: float, first_fault: float) -> float:
    """The depth the queue must come back to: its pre-fault 95th percentile, at least 1."""
    before = timeseries[(timeseries["time"] < first_fault) & (timeseries["time"] >= min(warmup, first_fault))]
    if before.empty:
        return 1.0
    return max(1.0, float(np.quantile(before["depth_total"], 0.95)))


def recovery_time(timeseries: pd.DataFrame, faults: pd.DataFrame | None, warmup: float) -> float:
    """Seconds from the end of the last fault until the queue is back to its pre-fault range; 0.0 without faults."""
    if faults is None or faults.empty or timeseries.empty:
        return 0.0
    threshold = settle_threshold(timeseries, warmup, float(faults["start"].min()))
    last_end = float(faults["end"].max())
    after = timeseries[(timeseries["time"] >= last_end) & (timeseries["depth_total"] <= threshold)]
    return float(after["time"].iloc[0] - last_end) if not after.empty else math.inf
