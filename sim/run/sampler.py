"""The timeseries sampler: a look at the stack's public state every sample interval.

Besides queue depths, workers and rates, each sample holds the health model's
stress level (0 low .. 3 critical), CPU and memory, and how many dispatches
were throttled since the previous sample.

The sample at time t shows the state once every event at t has happened.
The run loop takes it (see :func:`sim.run.runner.advance`) when the next
event lies past t: the state cannot change between two events, so the look
needs no event of its own, which would cost as much as a task's arrival.
"""
from __future__ import annotations

from chaosbench.orchestration.stack import Stack
from chaosbench.orchestration.tasks.model import PRIORITY_LABELS

TIMESERIES_COLUMNS = (
    "time",
    *(f"depth_{label}" for label in PRIORITY_LABELS),
    "depth_total",
    "workers_alive",
    "workers_busy",
    "arrival_rate",
    "completion_rate",
    "stress_level",
    "cpu",
    "memory",
    "throttled",
)


class Sampler:
    """Samples of ``stack`` at 0, ``interval``, 2 x ``interval``... into the ``timeseries`` table.

    ``due`` is the time of the next sample; :meth:`take` takes it and moves
    ``due`` on. The times are multiples of the interval, not sums of it, so
    that they do not drift.
    """

    def __init__(self, stack: Stack, interval: float) -> None:
        self.interval = interval
        self.due = 0.0
        self._taken = 0
        self._add = stack.runtime.recorder.table("timeseries", TIMESERIES_COLUMNS).add
        self._htm = stack.htm
        self._health = stack.health
        self._arrived = self._completed = self._throttled = 0

    def take(self) -> None:
        """Record the sample due (the clock may still be before it, with no event in between)."""
        htm, health, interval, time = self._htm, self._health, self.interval, self.due
        waiting = htm.depths()
        arrived, completed, throttled = htm.arrived, htm.completed, htm.throttled
        self._add((time, *waiting, htm.depth(), htm.workers, htm.busy,
                   (arrived - self._arrived) / interval, (completed - self._completed) / interval,
                   health.current(time), float(health.cpu), float(health.memory), throttled - self._throttled))
        self._arrived, self._completed, self._throttled = arrived, completed, throttled
        self._taken += 1
        self.due = self._taken * interval
