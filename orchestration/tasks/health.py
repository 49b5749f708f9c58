"""The health model: CPU, memory, latency and backlog as functions of the load.

Every ``interval`` seconds the model reads the task manager's load and adds
whatever pressure a fault injected:

* CPU (%) = ``cpu_base`` + ``cpu_span`` x (workers executing / workers
  alive) + ``cpu_per_kevent`` x (thousands of events published per second on
  the bus since the last reading), smoothed exponentially, plus injected CPU
  pressure (a worker whose throttled task waits out its delay does not
  execute; an event storm costs CPU even when the mesh drops its events);
* memory (%) = ``memory_base`` + ``memory_span`` x min(``max_fill``, backlog /
  ``backlog_capacity``), plus injected memory pressure, at most 100;
* latency (s) = ``latency_base`` x (1 + backlog / workers alive);
* backlog = tasks waiting.

The stress level is the higher of CPU's and memory's, each read against its
own thresholds (design document 003: CPU 78%, RAM 82% is HIGH; below 65% and
70% the stack is calm again; both are critical from 95%).
Listeners (the relief supervisor) are told the level after every reading.

Stress has a cost (:class:`ContentionConfig`). Past the knees (CPU 78%, memory
82%: the design document's HIGH stress) the machine thrashes: each reading
sets ``slowdown``, the factor by which a service that starts now takes longer,
growing linearly from 1 at the knee to ``1 + slowdown`` at 100%; the same
strain slows every kernel call and adds to its failure probability; and while
memory is at or above its critical level, each reading kills a worker with
probability ``oom_probability`` (stream ``health.oom``). Load alone keeps CPU
below its knee and memory below its knee until the backlog passes its
capacity, so a plain queue under moderate load pays nothing. Readings are
periodic once :meth:`HealthModel.start` was called: the stack starts them
when throttling or relief agents need the level, and injected pressure
starts them too. Otherwise a reading is taken on demand and costs nothing,
so a stack without safeguards schedules no events of its own.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Generator
from typing import Any, Protocol

import simpy
from pydantic import Field, field_validator

from chaosbench.orchestration.core.sections import Section
from chaosbench.orchestration.core.ticks import every
from chaosbench.orchestration.core.wiring import Wiring

STRESS_LEVELS = ("low", "medium", "high", "critical")


class Load(Protocol):
    """What the health model reads of the task manager (which, through its throttle, reads the health model)."""

    def load(self, now: float) -> tuple[int, int, int]:
        """Workers alive, tasks waiting, and workers executing at ``now``."""


class Strain(Protocol):
    """Where contention is felt outside the task manager: the kernels."""

    def strain(self, latency_factor: float, extra_failure: float) -> None: ...


class ContentionConfig(Section):
    """What stress costs (design document 003's HIGH thresholds are the knees)."""

    cpu_knee: float = Field(default=78.0, ge=0, le=100, description="CPU percent where thrashing starts")
    memory_knee: float = Field(default=82.0, ge=0, le=100, description="memory percent where thrashing starts")
    slowdown: float = Field(default=3.0, ge=0, le=100, description="extra service time at 100%, in multiples")
    kernel_failure: float = Field(default=0.3, ge=0, le=1, description="extra kernel failure probability at 100%")
    oom_probability: float = Field(default=0.05, ge=0, le=1,
                                   description="chance per reading that a worker dies while memory is critical")


class HealthConfig(Section):
    """How load and pressure become vitals and a stress level."""

    interval: float = Field(default=1.0, gt=0, description="seconds between readings")
    smoothing: float = Field(default=0.3, gt=0, le=1, description="weight of the newest CPU reading")
    cpu_base: float = Field(default=10.0, ge=0, le=100)
    cpu_span: float = Field(default=65.0, ge=0, le=100, description="CPU added by a fully busy pool")
    cpu_per_kevent: float = Field(default=1.0, ge=0, le=100,
                                  description="CPU added by each thousand events per second on the bus")
    memory_base: float = Field(default=30.0, ge=0, le=100)
    memory_span: float = Field(default=50.0, ge=0, le=100, description="memory added by a full backlog")
    backlog_capacity: int = Field(default=5000, ge=1, description="backlog that fills memory_span (design "
                                  "document 002's critical queue depth)")
    max_fill: float = Field(default=2.0, ge=1, le=100, description="backlog beyond capacity still adds memory, "
                            "up to this many capacities")
    latency_base: float = Field(default=0.05, ge=0, description="seconds of latency with no backlog")
    cpu_levels: tuple[float, float, float] = Field(
        default=(65.0, 78.0, 95.0), description="CPU percent from which stress is medium, high and critical")
    memory_levels: tuple[float, float, float] = Field(
        default=(70.0, 82.0, 95.0), description="memory percent from which stress is medium, high and critical")
    contention: ContentionConfig = ContentionConfig()

    @field_validator("cpu_levels", "memory_levels")
    @classmethod
    def _in_order(cls, levels: tuple[float, float, float]) -> tuple[float, float, float]:
        medium, high, critical = levels
        if not medium <= high <= critical:
            raise ValueError("the medium, high and critical thresholds must not decrease")
        return levels


class HealthModel:
    """Vitals of the stack, read every ``interval`` seconds from ``htm``."""

    def __init__(self, wiring: Wiring, config: HealthConfig, htm: Load, *, strained: Strain | None = None,
                 out_of_memory: Callable[[], object] | None = None, events: Callable[[], int] | None = None) -> None:
        self.env = wiring.env
        self.config = config
        self._htm = htm
        self._strained = strained
        self._out_of_memory = out_of_memory
        self._oom_draw = wiring.rng("health.oom").random
        self._events = events
        self._events_seen = 0
        self._read_at = 0.0
        self.slowdown = 1.0
        self.oom_kills = 0
        self._emit = wiring.trace.emit
        self.cpu_pressure = 0.0
        self.memory_pressure = 0.0
        self.cpu = config.cpu_base
        self.memory = config.memory_base
        self.latency = config.latency_base
        self.backlog = 0
        self.level = 0
        self._announced = 0
        self._smoothed = config.cpu_base
        self._params = (
            config.cpu_base, config.cpu_span, config.smoothing, 1 - config.smoothing, config.memory_base,
            config.memory_span, config.backlog_capacity, config.max_fill, config.latency_base, config.cpu_levels,
            config.memory_levels,
        )
        self.listeners: list[Callable[[int], None]] = []
        self._ticking = False

    def start(self) -> None:
        """Read every ``interval`` seconds from now on (only a consumer of the level needs it)."""
        if not self._ticking:
            self._ticking = True
            self.env.process(self._run())

    @property
    def stress(self) -> str:
        return STRESS_LEVELS[self.level]

    def set_pressure(self, cpu: float | None = None, memory: float | None = None) -> None:
        """Injected pressure in percentage points, added to what the load explains."""
        if cpu is not None:
            self.cpu_pressure = float(cpu)
        if memory is not None:
            self.memory_pressure = float(memory)
        self._emit(self.env.now, "pressure", self.cpu_pressure, self.memory_pressure)
        if self.cpu_pressure or self.memory_pressure:
            self.start()
        self.read()

    def current(self, now: float | None = None) -> int:
        """The stress level: the last periodic reading, or a fresh measurement when not reading periodically.

        A measurement taken only to be looked at (by a sampler) is no decision
        of the stack's, so it leaves no trace record and tells no listener.
        ``now`` is the time the look is for, the clock's by default: a sampler
        may look at a time the clock has not reached while no event lies
        between them.
        """
        if self._ticking:
            return self.level
        return self._measure(float(self.env.now) if now is None else now)

    def read(self) -> int:
        """Take a reading now and tell the listeners; returns the stress level index."""
        level = self._measure(float(self.env.now))
        self._contend()
        if level != self._announced:
            self._announced = level
            self._emit(self.env.now, "stress", level)
        for listener in self.listeners:
            listener(level)
        return level

    def _measure(self, now: float) -> int:
        (cpu_base, cpu_span, smoothing, kept, memory_base, memory_span, capacity, max_fill, latency_base,
         cpu_levels, memory_levels) = self._params
        alive, backlog, executing = self._htm.load(now)
        busy_share = executing / alive if alive else 1.0
        load = cpu_base + cpu_span * busy_share
        if self._events is not None and self.config.cpu_per_kevent:
            load += self._event_load(now)
        smoothed = self._smoothed = smoothing * load + kept * self._smoothed
        cpu = smoothed + self.cpu_pressure
        cpu = self.cpu = cpu if cpu < 100.0 else 100.0
        fill = backlog / capacity
        memory = memory_base + memory_span * (fill if fill < max_fill else max_fill) + self.memory_pressure
        memory = self.memory = memory if memory < 100.0 else 100.0
        self.backlog = backlog
        self.latency = latency_base * (1 + backlog / (alive if alive > 1 else 1))
        # A resource's stress level is the number of its thresholds it has reached.
        level = self.level = max(bisect_right(cpu_levels, cpu), bisect_right(memory_levels, memory))
        return level

    def _event_load(self, now: float) -> float:
        """CPU percent the bus's traffic since the last reading costs (``events`` is wired in)."""
        assert self._events is not None, "only read with a bus wired in"
        published = self._events()
        elapsed, events = now - self._read_at, published - self._events_seen
        self._read_at, self._events_seen = now, published
        return self.config.cpu_per_kevent * events / elapsed / 1000.0 if elapsed > 0 else 0.0

    def _contend(self) -> None:
        contention = self.config.contention
        excess = max(0.0, (self.cpu - contention.cpu_knee) / (100.0 - contention.cpu_knee or 1.0),
                     (self.memory - contention.memory_knee) / (100.0 - contention.memory_knee or 1.0))
        slowdown = 1.0 + contention.slowdown * excess
        if slowdown != self.slowdown:
            self.slowdown = slowdown
            if self._strained is not None:
                self._strained.strain(slowdown, contention.kernel_failure * excess)
        if (self.memory >= self.config.memory_levels[2] and self._out_of_memory is not None
                and self._oom_draw() < contention.oom_probability):
            self.oom_kills += 1
            self._emit(self.env.now, "oom_kill")
            self._out_of_memory()

    def _run(self) -> Generator[simpy.Event, Any, None]:
        """Start as a process, then read on one rescheduled event (see :func:`~orchestration.core.ticks.every`)."""
        every(self.env, self.config.interval, self.read)
        yield from ()

