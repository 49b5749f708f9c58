"""The timeseries sampler: a look at the stack's public state every sample interval.

Besides queue depths, workers and rates, each sample holds the health model's
stress level (0 low .. 3 critical), CPU and memory, and how many dispatches
were throttled since the previous sample.
"""
from __future__ import annotations

from collections.abc import Generator

import simpy

from chaosbench.orchestration.core.ticks import every
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


def start_sampler(stack: Stack, interval: float) -> None:
    """Sample every ``interval`` simulated seconds, from time 0, into the ``timeseries`` table."""
    stack.runtime.env.process(_first_sample(stack, interval))


def _first_sample(stack: Stack, interval: float) -> Generator[simpy.Event, None, None]:
    """Take the sample at time 0 as a process would, then hand over to a periodic callback.

    The callback (see :func:`~orchestration.core.ticks.every`) costs far
    less than resuming a generator, and the samples and their order among
    other events stay those of a process.
    """
    env = stack.runtime.env
    add = stack.runtime.recorder.table("timeseries", TIMESERIES_COLUMNS).add
    htm = stack.htm
    health = stack.health
    depths = htm.depths
    arrived = completed = throttled = 0

    def sample() -> None:
        nonlocal arrived, completed, throttled
        waiting = depths()
        now_arrived, now_completed, now_throttled = htm.arrived, htm.completed, htm.throttled
        add((float(env.now), *waiting, sum(waiting), htm.workers, htm.busy,
             (now_arrived - arrived) / interval, (now_completed - completed) / interval,
             health.current(), float(health.cpu), float(health.memory), now_throttled - throttled))
        arrived, completed, throttled = now_arrived, now_completed, now_throttled

    sample()
    every(env, interval, sample)
    yield from ()  # a generator, so that the first sample is taken when the process starts
