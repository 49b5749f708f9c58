"""The critical-kernel heartbeat trigger (design document 002): notices a kernel that went silent.

A hung kernel still reports itself up, so the watchdog's kernel check does
not see it; only its missing heartbeat does. Every ``interval`` seconds the
monitor asks each critical kernel how long it has been silent; past
``missed`` intervals it publishes ``system.heartbeat_failed`` (which the
policy kernel's heartbeat rule answers with self-healing),
``system.kernel_crashed`` (which the crash-response workflow answers) and an
``anomaly.detected`` with signature ``kernel_down`` (which the immune kernel
answers by restarting the kernel). One alarm per silence: a kernel is reported again
only after it has beaten once more.
"""
from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy
from pydantic import Field

from chaosbench.orchestration.core.sections import Safeguard
from chaosbench.orchestration.core.wiring import Wiring
from chaosbench.orchestration.mesh.kernels import Kernels
from chaosbench.orchestration.mesh.publisher import Bus, Publisher

SOURCE = "heartbeat_monitor"


class HeartbeatConfig(Safeguard):
    """Heartbeat checks of the critical kernels."""

    interval: float = Field(default=5.0, gt=0, description="seconds between heartbeat checks")
    missed: int = Field(default=3, ge=1, description="intervals of silence before the alarm")
    kernels: tuple[str, ...] = Field(
        default=("avn_core", "governance", "unified_logic", "self_heal"),
        description="the critical kernels whose heartbeats are watched",
    )


class HeartbeatMonitor:
    """Watches the heartbeats of ``config.kernels``; started by :meth:`start`."""

    def __init__(self, wiring: Wiring, config: HeartbeatConfig, kernels: Kernels, bus: Bus) -> None:
        unknown = [name for name in config.kernels if name not in kernels.names]
        if unknown:
            raise ValueError(f"heartbeat monitor: unknown kernels {unknown}; known: {kernels.names}")
        self.env = wiring.env
        self.config = config
        self._kernels = kernels
        self._out = Publisher(bus, wiring.env, SOURCE)
        self._audit = wiring.audit
        self._count = wiring.recorder.count
        self._emit = wiring.trace.emit
        self._alarmed: set[str] = set()
        self.alarms = 0

    def start(self) -> None:
        self.env.process(self._watch())

    def _watch(self) -> Generator[simpy.Event, Any, None]:
        limit = self.config.interval * self.config.missed
        while True:
            yield self.env.timeout(self.config.interval)
            for name in self.config.kernels:
                silent = self._kernels.silent_for(name)
                if silent < limit:
                    self._alarmed.discard(name)
                elif name not in self._alarmed:
                    self._alarm(name, silent)

    def _alarm(self, name: str, silent: float) -> None:
        now = self.env.now
        self._alarmed.add(name)
        self.alarms += 1
        self._count("heartbeat.alarms")
        self._emit(now, "heartbeat.lost", name, silent)
        publish = self._out.publish
        publish("system.heartbeat_failed", {"component_id": name, "missed": int(silent // self.config.interval)})
        publish("system.kernel_crashed", {"kernel": name, "reason": "no heartbeat"})
        publish("anomaly.detected", {"component_id": name, "signature": "kernel_down", "severity": "CRITICAL"})
        limit = self.config.interval * self.config.missed
        self._audit.record(who=SOURCE, what=f"heartbeat lost: {name}", where=f"kernel.{name}",
                           why=f"no heartbeat for {silent:.0f}s (limit {limit:.0f}s)",
                           how="periodic heartbeat check", when=now)
