"""Preemption: a CRITICAL task that finds every worker busy takes one from NORMAL or LOW work.

The victim is the worker serving the lowest priority, and among those the one
that started most recently, so the least work is set aside. The preempted task
keeps the work it has done and returns to the head of its queue (the task
manager hands the worker over).
"""
from __future__ import annotations

from collections.abc import Sequence

from chaosbench.orchestration.core.runtime import Recorder, Trace
from chaosbench.orchestration.core.sections import Safeguard
from chaosbench.orchestration.tasks.model import Priority, Task


class PreemptionConfig(Safeguard):
    """Preemption of NORMAL and LOW tasks by CRITICAL ones (preempt-resume)."""


def preemption_victim(running: Sequence[Task | None], began: Sequence[float]) -> int:
    """The worker whose NORMAL or LOW task gives way (lowest priority, latest start), or -1 if none."""
    victim = -1
    victim_key = (Priority.CRITICAL, 0.0)
    for worker, task in enumerate(running):
        if task is not None and task.priority >= Priority.NORMAL:
            key = (task.priority, began[worker])
            if victim < 0 or key > victim_key:
                victim, victim_key = worker, key
    return victim


class Preemptor:
    """Chooses, counts and traces each preemption; the task manager hands the worker over."""

    def __init__(self, recorder: Recorder, trace: Trace) -> None:
        self._count = recorder.count
        self._emit = trace.emit

    def worker_for(self, urgent: Task, running: Sequence[Task | None], began: Sequence[float], now: float) -> int:
        """The worker ``urgent`` takes, its task preempted, or -1 if only urgent work runs."""
        victim = preemption_victim(running, began)
        preempted = running[victim] if victim >= 0 else None
        if preempted is None:
            return -1
        self._count("safeguard.preemption")
        self._emit(now, "preempt", preempted.task_id, urgent.task_id, victim)
        return victim
