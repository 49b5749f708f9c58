"""The health model: CPU, memory, latency and backlog as functions of the load.

Every ``interval`` seconds the model reads the task manager's load and adds
whatever pressure a fault injected:

* CPU (%) = ``cpu_base`` + ``cpu_span`` x (busy workers / workers alive),
  smoothed exponentially, plus injected CPU pressure;
* memory (%) = ``memory_base`` + ``memory_span`` x min(1, backlog /
  ``backlog_capacity``), plus injected memory pressure;
* latency (s) = ``latency_base`` x (1 + backlog / workers alive);
* backlog = tasks waiting.

The stress level is read from the larger of CPU and memory against the
thresholds (design document 003: CPU 78%, RAM 82% is HIGH; 65% and 70% is calm again).
Listeners (the relief supervisor) are told the level after every reading.
Readings are periodic only once :meth:`HealthModel.start` was called, which
the stack does when throttling or relief agents need the level; otherwise a
reading is taken on demand, so a stack without those safeguards schedules no
events of its own.
"""
from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any, Protocol

import simpy
from pydantic import Field

from chaosbench.orchestration.core.sections import Section
from chaosbench.orchestration.core.wiring import Wiring

STRESS_LEVELS = ("low", "medium", "high", "critical")


class Load(Protocol):
    """What the health model reads of the task manager (which, through its throttle, reads the health model)."""

    @property
    def workers(self) -> int: ...

    @property
    def busy(self) -> int: ...

    def depth(self) -> int: ...


class HealthConfig(Section):
    """How load and pressure become vitals and a stress level."""

    interval: float = Field(default=1.0, gt=0, description="seconds between readings")
    smoothing: float = Field(default=0.3, gt=0, le=1, description="weight of the newest CPU reading")
    cpu_base: float = Field(default=10.0, ge=0, le=100)
    cpu_span: float = Field(default=65.0, ge=0, le=100, description="CPU added by a fully busy pool")
    memory_base: float = Field(default=30.0, ge=0, le=100)
    memory_span: float = Field(default=50.0, ge=0, le=100, description="memory added by a full backlog")
    backlog_capacity: int = Field(default=1000, ge=1, description="backlog that fills memory_span")
    latency_base: float = Field(default=0.05, ge=0, description="seconds of latency with no backlog")
    medium: float = Field(default=60.0, description="percent from which stress is medium")
    high: float = Field(default=80.0, description="percent from which stress is high")
    critical: float = Field(default=95.0, description="percent from which stress is critical")


class HealthModel:
    """Vitals of the stack, read every ``interval`` seconds from ``htm``."""

    def __init__(self, wiring: Wiring, config: HealthConfig, htm: Load) -> None:
        self.env = wiring.env
        self.config = config
        self._htm = htm
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
            config.cpu_base, config.cpu_span, config.smoothing, config.memory_base, config.memory_span,
            config.backlog_capacity, config.latency_base, config.medium, config.high, config.critical,
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
        self.read()

    def current(self) -> int:
        """The stress level now: the last periodic reading, or a fresh measurement when not reading periodically.

        A measurement taken only to be looked at (by a sampler) is no decision
        of the stack's, so it leaves no trace record and tells no listener.
        """
        return self.level if self._ticking else self._measure()

    def read(self) -> int:
        """Take a reading now and tell the listeners; returns the stress level index."""
        level = self._measure()
        if level != self._announced:
            self._announced = level
            self._emit(self.env.now, "stress", level)
        for listener in self.listeners:
            listener(level)
        return level

    def _measure(self) -> int:
        cpu_base, cpu_span, smoothing, memory_base, memory_span, capacity, latency_base, medium, high, critical = (
            self._params
        )
        htm = self._htm
        alive = htm.workers
        backlog = htm.depth()
        busy_share = htm.busy / alive if alive else 1.0
        smoothed = self._smoothed = smoothing * (cpu_base + cpu_span * busy_share) + (1 - smoothing) * self._smoothed
        cpu = smoothed + self.cpu_pressure
        cpu = self.cpu = cpu if cpu < 100.0 else 100.0
        fill = backlog / capacity
        memory = memory_base + memory_span * (fill if fill < 1.0 else 1.0) + self.memory_pressure
        memory = self.memory = memory if memory < 100.0 else 100.0
        self.backlog = backlog
        self.latency = latency_base * (1 + backlog / (alive if alive > 1 else 1))
        peak = cpu if cpu > memory else memory
        level = self.level = 3 if peak >= critical else 2 if peak >= high else 1 if peak >= medium else 0
        return level

    def _run(self) -> Generator[simpy.Event, Any, None]:
        timeout = self.env.timeout
        interval = self.config.interval
        while True:
            yield timeout(interval)
            self.read()
