"""Health-based throttling of NORMAL and LOW dispatch.

While the health model reports stress at or above ``level``, a NORMAL or LOW
task waits ``delay`` seconds on its worker before its service begins (the
event policy kernel of design document 003 sleeps two seconds). Meanwhile a
HIGH or CRITICAL task that finds no idle worker takes a worker whose task is
still in its delay: critical work continues, normal work is delayed.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pydantic import Field

from chaosbench.orchestration.core.runtime import Recorder, Trace
from chaosbench.orchestration.core.sections import Safeguard
from chaosbench.orchestration.tasks.health import STRESS_LEVELS
from chaosbench.orchestration.tasks.model import Task


class ThrottleConfig(Safeguard):
    """Health-based throttling of NORMAL and LOW dispatch (design document 003: a two-second pause)."""

    delay: float = Field(default=2.0, ge=0, description="seconds a throttled task waits on its worker")
    level: str = Field(
        default="high", pattern="^(medium|high|critical)$", description="stress level from which to throttle"
    )


class StressGauge(Protocol):
    """What throttling reads: the current stress level, an index into ``STRESS_LEVELS``."""

    level: int


class Throttle:
    """Decides and counts the delays; the task manager applies them.

    The manager reads ``health.level >= level`` itself before calling
    :meth:`hold`, so a dispatch that is not throttled costs no call.
    """

    def __init__(self, config: ThrottleConfig, health: StressGauge, recorder: Recorder, trace: Trace) -> None:
        self.health = health
        self.level = STRESS_LEVELS.index(config.level)
        self.delay = config.delay
        self._count = recorder.count
        self._emit = trace.emit
        self.held = 0

    def hold(self, task: Task, now: float) -> float:
        """Throttle ``task``, starting now; returns its delay in seconds."""
        self.held += 1
        self._count("safeguard.throttle")
        self._emit(now, "throttle", task.task_id, self.delay)
        return self.delay

    def worker_to_yield(self, running: Sequence[Task | None], began: Sequence[float], now: float, urgent: Task) -> int:
        """A worker whose task is still in its delay, to give to ``urgent``; -1 if none.

        The yielding task has not begun its service, so it gives its start back.
        """
        for worker, task in enumerate(running):
            if task is not None and began[worker] > now:
                task.attempts -= 1
                self._count("htm.throttle_yields")
                self._emit(now, "throttle_yield", task.task_id, urgent.task_id, worker)
                return worker
        return -1
