"""Task workloads: Poisson arrivals with a priority mix, service times and per-priority SLAs."""
from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Callable
from functools import partial
from itertools import repeat

import simpy
from pydantic import Field, model_validator
from simpy.events import NORMAL, ProcessGenerator

from chaosbench.orchestration.stack import Stack
from chaosbench.orchestration.tasks.model import Priority
from chaosbench.sim.spec.fields import Duration, Instant, Model, PriorityMix, PriorityName, Rate

#: SLAs of the design documents: CRITICAL 5 min, HIGH 30 min, NORMAL 4 h, LOW 24 h.
DEFAULT_SLA = {"critical": 300.0, "high": 1800.0, "normal": 14400.0, "low": 86400.0}


class LogNormal(Model):
    """Log-normal service time given by its mean and the sigma of the underlying normal."""

    mean: Duration
    sigma: float = Field(gt=0, le=10, allow_inf_nan=False)


class Uniform(Model):
    """Service time uniform on [low, high]."""

    low: Duration
    high: Duration

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"expected high >= low, got low={self.low:g}s and high={self.high:g}s")
        return self


class ServiceTime(Model):
    """Exactly one distribution: ``exponential`` (its mean), ``deterministic``, ``lognormal`` or ``uniform``."""

    exponential: Duration | None = None
    deterministic: Duration | None = None
    lognormal: LogNormal | None = None
    uniform: Uniform | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ServiceTime:
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                "expected exactly one of exponential, deterministic, lognormal, uniform"
                + (f", got {', '.join(given)}" if given else "")
            )
        return self

    @property
    def mean(self) -> float:
        if self.exponential is not None:
            return self.exponential
        if self.deterministic is not None:
            return self.deterministic
        if self.lognormal is not None:
            return self.lognormal.mean
        assert self.uniform is not None, "the model holds exactly one distribution"
        return (self.uniform.low + self.uniform.high) / 2

    def sampler(self, rng: random.Random) -> Callable[[], float]:
        """A function drawing one service time from ``rng``.

        Bound methods and ``partial`` keep a draw to one C-level call: it
        happens once per task.
        """
        if self.exponential is not None:
            return partial(rng.expovariate, 1.0 / self.exponential)
        if self.deterministic is not None:
            return repeat(self.deterministic).__next__
        if self.lognormal is not None:
            sigma = self.lognormal.sigma
            mu = math.log(self.lognormal.mean) - sigma * sigma / 2
            return partial(rng.lognormvariate, mu, sigma)
        assert self.uniform is not None, "the model holds exactly one distribution"
        return partial(rng.uniform, self.uniform.low, self.uniform.high)


class TaskWorkload(Model):
    """Tasks arriving as a Poisson process from ``start`` until ``stop`` (or the end of the run)."""

    rate: Rate
    service: ServiceTime
    priority_mix: PriorityMix = {"normal": 1.0}
    sla: dict[PriorityName, Duration] = {}
    kind: str = "task"
    origin: str = "workload"
    start: Instant = 0.0
    stop: Instant | None = None

    def sla_for(self, priority: str) -> float:
        return self.sla.get(priority, DEFAULT_SLA[priority])


def start_task_workload(stack: Stack, spec: TaskWorkload, index: int, until: float) -> None:
    """Start the arrival process of workload number ``index`` on ``stack``."""
    runtime = stack.runtime
    stream = f"workload.{index}"
    stack.runtime.env.process(_arrivals(stack, spec, runtime.rng(stream + ".arrivals"),
                                        runtime.rng(stream + ".mix"), runtime.rng(stream + ".service"),
                                        min(until, spec.stop if spec.stop is not None else until)))


def _arrivals(stack: Stack, spec: TaskWorkload, arrivals: random.Random, mix: random.Random,
              service: random.Random, stop: float) -> ProcessGenerator:
    """Wait for ``spec.start``, then hand the arrivals over to timeout callbacks.

    Each arrival is an event whose callback enqueues the task and schedules
    the next arrival: a callback costs far less than resuming a generator,
    and the events, their order and every random draw are those of a process
    looping over ``yield timeout(gap)``. The callback schedules the very event
    it was called for again (SimPy has taken it off its queue by then), which
    spares building a timeout per task.
    """
    env = stack.runtime.env
    timeout = env.timeout
    gap = arrivals.expovariate
    rate = spec.rate
    draw_work = spec.service.sampler(service)
    levels = [(Priority.parse(name), weight) for name, weight in spec.priority_mix.items()]
    levels.sort()
    # Priority level i is drawn when the draw falls below bounds[i], its cumulative weight, and no earlier bound.
    bounds: list[float] = []
    choices: list[tuple[Priority, float]] = []
    total = 0.0
    for priority, weight in levels:
        total += weight
        bounds.append(total)
        choices.append((priority, spec.sla_for(priority.label)))
    last = len(choices) - 1
    pick = mix.random
    enqueue = stack.enqueue
    kind, origin = spec.kind, spec.origin
    schedule = env.schedule
    arrivals_callbacks: list[Callable[[simpy.Event], None]] = []

    if len(choices) == 1:
        # One priority: no draw from the mix stream is needed (it feeds nothing else).
        only, only_sla = choices[0]

        def arrive(event: simpy.Event) -> None:
            if env.now < stop:
                enqueue(kind, only, draw_work(), only_sla, origin)
                event.callbacks = arrivals_callbacks
                schedule(event, NORMAL, gap(rate))
    else:
        def arrive(event: simpy.Event) -> None:
            if env.now < stop:
                # The last level also takes a draw that rounding carried up to the total.
                priority, sla = choices[min(bisect_right(bounds, pick() * total), last)]
                enqueue(kind, priority, draw_work(), sla, origin)
                event.callbacks = arrivals_callbacks
                schedule(event, NORMAL, gap(rate))

    arrivals_callbacks.append(arrive)
    if spec.start > 0:
        yield timeout(spec.start)
    timeout(gap(rate)).callbacks = arrivals_callbacks
