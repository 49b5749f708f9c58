"""The immune kernel (AVN): answers anomaly events with healing playbooks.

For an ``anomaly.detected`` event whose payload ``signature`` names the
incident, the kernel tries playbooks in order: the learned one first (the
learning loop's recommendation), then the configured candidates for that
signature. Each attempt asks the governance gate; a denied playbook is
skipped. An allowed one is applied after ``latency`` seconds and reports
whether it healed; the outcome goes to the learning loop and to the
``immune`` table with the playbook's success rate so far. The first playbook
that heals ends the incident, and the kernel publishes
``healing.recovery_complete`` with the time the incident took to heal; one
incident per signature is handled at a time.

The kernel also supervises the kernels' processes: a kernel that goes down is
reported at once as ``system.kernel_crashed`` and ``system.critical_error``,
which the crash-response workflow and the critical-error rule answer. (A hung
kernel still reports itself up; only the heartbeat monitor notices it.)

Playbooks are callables by name. :class:`HealingPlaybooks` makes the stack's
four out of its controls: resume the dispatcher, restart the workers, drain a
stuck queue, bring a kernel back.
"""
from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any, Protocol

import simpy
from pydantic import Field

from chaosbench.orchestration.core.sections import Safeguard
from chaosbench.orchestration.core.wiring import Wiring
from chaosbench.orchestration.mesh.engine import WorkflowEngine
from chaosbench.orchestration.mesh.events import Event
from chaosbench.orchestration.mesh.kernels import Kernels
from chaosbench.orchestration.mesh.publisher import Publisher
from chaosbench.orchestration.resilience.learning import WorkflowLearning

IMMUNE_COLUMNS = ("time", "signature", "playbook", "outcome", "success_rate")
SOURCE = "immune_kernel"
Playbook = Callable[[dict[str, Any]], bool]


class ImmuneConfig(Safeguard):
    """The immune kernel and its playbooks per incident signature."""

    latency: float = Field(default=1.0, ge=0, description="seconds to apply a playbook")
    playbooks: dict[str, tuple[str, ...]] = Field(
        default={
            "dispatcher_paused": ("resume_dispatcher",),
            "dispatch_stalled": ("resume_dispatcher", "restart_workers", "drain_queue"),
            "workers_low": ("restart_workers",),
            "queue_warn": ("drain_queue",),
            "queue_critical": ("drain_queue",),
            "kernel_down": ("restart_kernel",),
        },
        description="candidate playbooks per incident signature, in order",
    )


class Gate(Protocol):
    """The governance gate, as the immune kernel sees it."""

    def check(self, actor: str, action: str, resource: str = "", risk: str = "medium") -> bool:
        """Whether ``actor`` may take ``action`` on ``resource``."""


class ImmuneKernel:
    """Heals what the anomaly events report."""

    def __init__(self, wiring: Wiring, config: ImmuneConfig, gate: Gate, learning: WorkflowLearning,
                 playbooks: dict[str, Playbook], publisher: Publisher | None = None) -> None:
        self.env = wiring.env
        self.config = config
        self._gate = gate
        self._learning = learning
        self._playbooks = playbooks
        self._audit = wiring.audit
        self._count = wiring.recorder.count
        self._emit = wiring.trace.emit
        self._rows = wiring.recorder.table("immune", IMMUNE_COLUMNS)
        self._out = publisher
        self._open: set[str] = set()
        self.anomalies = 0
        self.healed = 0

    def handle(self, event: Event) -> None:
        """Bus handler: take ``anomaly.detected`` events, ignore the rest."""
        payload = event.payload
        if event.type == "anomaly.detected" and isinstance(payload, dict) and isinstance(payload.get("signature"), str):
            self.on_anomaly(payload["signature"], payload)

    def on_kernel(self, name: str, state: str) -> None:
        """Kernel listener: report a kernel that went down."""
        if state == "down" and self._out is not None:
            self._count("immune.kernel_crashes")
            self._out.publish("system.kernel_crashed", {"kernel": name, "reason": "process exited"})
            self._out.publish("system.critical_error",
                              {"component_id": name, "error": "kernel crashed", "severity": "CRITICAL"})

    def on_anomaly(self, signature: str, payload: dict[str, Any]) -> None:
        """Start healing ``signature`` unless an incident of that signature is open."""
        self.anomalies += 1
        self._count("immune.anomalies")
        if signature in self._open:
            return
        candidates = list(self.config.playbooks.get(signature, ()))
        learned = self._learning.recommend(signature)
        if learned is not None:
            candidates = [learned] + [name for name in candidates if name != learned]
        candidates = [name for name in candidates if name in self._playbooks]
        if not candidates:
            self._count("immune.no_playbook")
            return
        self._open.add(signature)
        self.env.process(self._heal(signature, payload, candidates))

    def _heal(
        self, signature: str, payload: dict[str, Any], candidates: list[str]
    ) -> Generator[simpy.Event, Any, None]:
        opened = self.env.now
        for playbook in candidates:
            now = self.env.now
            if not self._gate.check(SOURCE, playbook, signature, "medium"):
                self._record(signature, playbook, "denied", 0.0)
                continue
            yield self.env.timeout(self.config.latency)
            healed = bool(self._playbooks[playbook](payload))
            self._learning.record(signature, playbook, healed, self.env.now - now)
            self._record(signature, playbook, "healed" if healed else "failed", self.env.now - now)
            if healed:
                self.healed += 1
                if self._out is not None:
                    self._out.publish("healing.recovery_complete", {
                        "component_id": str(payload.get("component_id", signature)), "playbook": playbook,
                        "duration_s": self.env.now - opened, "success": True, "signature": signature,
                    })
                break
        self._open.discard(signature)

    def _record(self, signature: str, playbook: str, outcome: str, duration: float) -> None:
        now = float(self.env.now)
        rate = self._learning.success_rate(signature, playbook)
        self._rows.append(now, signature, playbook, outcome, rate)
        self._count(f"immune.{outcome}")
        self._emit(now, "immune", signature, playbook, outcome)
        self._audit.record(who=SOURCE, what=f"{playbook}: {outcome}", where=signature,
                           why=f"anomaly {signature}; success rate so far {rate:.0%}",
                           how="learned playbook first" if outcome != "denied" else "governance gate")


class Dispatcher(Protocol):
    """The task manager, as the playbooks see it."""

    paused: bool

    @property
    def workers(self) -> int:
        """Workers alive."""

    def resume(self) -> None:
        """Dispatch again."""


class Workforce(Protocol):
    """The worker pool, as the playbooks see it."""

    def restart_all(self) -> list[int]:
        """Restart every killed worker now."""

    def spawn_relief(self) -> bool:
        """Spawn a relief agent if the cap allows."""


class Trust(Protocol):
    """The trust scores, as the playbooks see them."""

    def success(self, component: str) -> object:
        """Credit ``component`` with a success."""


class HealingPlaybooks:
    """The stack's healing playbooks, each reporting whether it healed.

    ``workers`` is the pool size that counts as healed after a restart.
    """

    def __init__(self, htm: Dispatcher, pool: Workforce, kernels: Kernels, trust: Trust,
                 engine: WorkflowEngine, workers: int) -> None:
        self._htm = htm
        self._pool = pool
        self._kernels = kernels
        self._trust = trust
        self._engine = engine
        self._workers = workers

    def by_name(self) -> dict[str, Playbook]:
        """The playbooks under the names the immune configuration uses."""
        return {
            "resume_dispatcher": self.resume_dispatcher,
            "restart_workers": self.restart_workers,
            "drain_queue": self.drain_queue,
            "restart_kernel": self.restart_kernel,
        }

    def resume_dispatcher(self, _payload: dict[str, Any]) -> bool:
        """Resume a paused dispatcher."""
        self._htm.resume()
        return not self._htm.paused

    def restart_workers(self, _payload: dict[str, Any]) -> bool:
        """Restart every killed worker; healed once the pool is back to size."""
        self._pool.restart_all()
        return self._htm.workers >= self._workers

    def drain_queue(self, _payload: dict[str, Any]) -> bool:
        """Resume dispatch and add a relief agent; healed if one could be added."""
        self._htm.resume()
        return self._pool.spawn_relief()

    def restart_kernel(self, payload: dict[str, Any]) -> bool:
        """Bring the kernel ``component_id`` back and replay the runs that failed for want of it."""
        name = payload.get("component_id")
        if not isinstance(name, str) or name not in self._kernels.names:
            return False
        self._kernels.bring_up(name)
        self._trust.success(name)
        self._engine.replay_dead_letters()
        return self._kernels.is_up(name)
