"""The timeseries sampler: a look at the stack's public state every sample interval.

Besides queue depths, workers and rates, each sample holds the health model's
stress level (0 low .. 3 critical), CPU and memory, and how many dispatches
were throttled since the previous sample.
"""
from __future__ import annotations

from orchestration.stack import Stack
from orchestration.tasks import PRIORITY_LABELS

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


def start_sampler(stack: Stack, interval: float) -> None:
    """Sample every ``interval`` simulated seconds, from time 0, into the ``timeseries`` table."""
    stack.runtime.env.process(_sample(stack, interval))


def _sample(stack: Stack, interval: float):
    env = stack.runtime.env
    table = stack.runtime.recorder.table("timeseries", TIMESERIES_COLUMNS)
    htm = stack.htm
    health = stack.health
    arrived = completed = throttled = 0
    while True:
        depths = htm.depths()
        table.append(
            float(env.now), *depths, sum(depths), htm.workers, htm.busy,
            (htm.arrived - arrived) / interval, (htm.completed - completed) / interval,
            health.current(), float(health.cpu), float(health.memory), htm.throttled - throttled,
        )
        arrived, completed, throttled = htm.arrived, htm.completed, htm.throttled
        yield env.timeout(interval)
