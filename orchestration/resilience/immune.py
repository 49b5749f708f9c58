"""The immune kernel (AVN): answers anomaly events with healing playbooks.

For an ``anomaly.detected`` event whose payload ``signature`` names the
incident, the kernel opens an incident and tries the signature's candidate
playbooks in the order the learning loop ranks them (the playbook that
resolved the signature best so far first, then the ranking learned in earlier
runs, then the configured order). Each attempt asks the governance gate; a
denied playbook is skipped. An allowed one takes its ``durations`` seconds
(``latency`` unless set) and works with its ``success`` probability for that
signature (1 unless set; drawn from the stream
``immune.<signature>.<playbook>``): a failed attempt changes nothing and the
kernel tries the next playbook; a working one is applied and reports whether
it healed. The outcome goes to the ``immune`` table with the playbook's
success rate as the learning loop knows it, and a failed attempt to the
learning loop. The first playbook that heals ends the incident, and the
kernel publishes ``healing.recovery_complete`` with the playbook, the time
the incident took to heal and the time the healing attempt took. The
learning loop hears of a healing from that event, when the recovery-metrics
workflow has the learning kernel update its metrics: the learning kernel and
that workflow are what let a playbook that healed be tried first next time.
One incident per signature is handled at a time.

The kernel also supervises the kernels' processes: a kernel that goes down is
reported at once as ``system.kernel_crashed`` and ``system.critical_error``,
which the crash-response workflow and the critical-error rule answer. (A hung
kernel still reports itself up; only the heartbeat monitor notices it.)

Counters: ``immune.incidents``, ``immune.incidents_healed`` with
``immune.time_to_heal_ms`` (the sum, over healed incidents, of the time from
the anomaly to the end of the playbook that healed it) and
``immune.incidents_unhealed`` (no candidate healed).

Playbooks are callables by name. :class:`HealingPlaybooks` makes the stack's
five out of its controls: resume the dispatcher, restart the workers, drain a
stuck queue, restart a kernel or redeploy it.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any, Protocol

import simpy
from pydantic import Field, field_validator

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
    durations: dict[str, float] = Field(
        default={}, description="seconds one attempt of a playbook takes, by playbook (latency when not given)"
    )
    success: dict[str, dict[str, float]] = Field(
        default={}, description="per incident signature, the probability that an attempt of a playbook works (1)"
    )
    playbooks: dict[str, tuple[str, ...]] = Field(
        default={
            "dispatcher_paused": ("resume_dispatcher",),
            "dispatch_stalled": ("resume_dispatcher", "restart_workers", "drain_queue"),
            "workers_low": ("restart_workers",),
            "queue_warn": ("drain_queue",),
            "queue_critical": ("drain_queue",),
            "kernel_down": ("restart_kernel",),
        },
        description="candidate playbooks per incident signature, in order; a signature given replaces its "
                    "default candidates, the others keep theirs",
    )

    @field_validator("playbooks", mode="before")
    @classmethod
    def _over_the_defaults(cls, playbooks: Any) -> Any:
        if isinstance(playbooks, dict):
            return {**cls.model_fields["playbooks"].default, **playbooks}
        return playbooks

    @field_validator("durations")
    @classmethod
    def _non_negative(cls, durations: dict[str, float]) -> dict[str, float]:
        for playbook, seconds in durations.items():
            if not 0 <= seconds < math.inf:
                raise ValueError(f"{playbook}: expected a number of seconds >= 0, got {seconds!r}")
        return durations

    @field_validator("success")
    @classmethod
    def _probabilities(cls, success: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for signature, playbooks in success.items():
            for playbook, probability in playbooks.items():
                if not 0 <= probability <= 1:
                    raise ValueError(f"{signature}.{playbook}: expected a probability in [0, 1], got {probability!r}")
        return success


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
        self._rng = wiring.rng
        self._open: set[str] = set()
        self._closed_at: dict[str, float] = {}
        self.anomalies = 0
        self.healed = 0

    def handle(self, event: Event) -> None:
        """Bus handler: take ``anomaly.detected`` events, ignore the rest."""
        payload = event.payload
        if event.type == "anomaly.detected" and isinstance(payload, dict) and isinstance(payload.get("signature"), str):
            self.on_anomaly(payload["signature"], payload, event.time)

    def on_kernel(self, name: str, state: str) -> None:
        """Kernel listener: report a kernel that went down."""
        if state == "down" and self._out is not None:
            self._count("immune.kernel_crashes")
            self._out.publish("system.kernel_crashed", {"kernel": name, "reason": "process exited"})
            self._out.publish("system.critical_error",
                              {"component_id": name, "error": "kernel crashed", "severity": "CRITICAL"})

    def on_anomaly(self, signature: str, payload: dict[str, Any], reported_at: float | None = None) -> None:
        """Start healing ``signature`` unless an incident of that signature is open.

        An anomaly reported at ``reported_at`` while the last incident of its
        signature was still open, and delivered after it closed, belongs to
        that incident: it opens no new one.
        """
        self.anomalies += 1
        self._count("immune.anomalies")
        if signature in self._open or (reported_at is not None and reported_at < self._closed_at.get(signature, 0.0)):
            return
        configured = self.config.playbooks.get(signature, ())
        candidates = [name for name in self._learning.ranking(signature, configured) if name in self._playbooks]
        if not candidates:
            self._count("immune.no_playbook")
            return
        self._open.add(signature)
        self._count("immune.incidents")
        self.env.process(self._heal(signature, payload, candidates))

    def _heal(
        self, signature: str, payload: dict[str, Any], candidates: list[str]
    ) -> Generator[simpy.Event, Any, None]:
        opened = self.env.now
        odds = self.config.success.get(signature, {})
        for playbook in candidates:
            now = self.env.now
            if not self._gate.check(SOURCE, playbook, signature, "medium"):
                self._record(signature, playbook, "denied", 0.0)
                continue
            yield self.env.timeout(self.config.durations.get(playbook, self.config.latency))
            works = odds.get(playbook, 1.0)
            healed = (works >= 1.0 or self._rng(f"immune.{signature}.{playbook}").random() < works) and bool(
                self._playbooks[playbook](payload))
            if not healed:
                # A healing reaches the learning loop as healing.recovery_complete, through the learning kernel.
                self._learning.record(signature, playbook, False, self.env.now - now)
            self._record(signature, playbook, "healed" if healed else "failed", self.env.now - now)
            if healed:
                self.healed += 1
                self._count("immune.incidents_healed")
                self._count("immune.time_to_heal_ms", round((self.env.now - opened) * 1000))
                if self._out is not None:
                    self._out.publish("healing.recovery_complete", {
                        "component_id": str(payload.get("component_id", signature)), "playbook": playbook,
                        "duration_s": self.env.now - opened, "attempt_s": self.env.now - now, "success": True,
                        "signature": signature,
                    })
                break
        else:
            self._count("immune.incidents_unhealed")
        self._open.discard(signature)
        self._closed_at[signature] = self.env.now

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
        """The playbooks under the names the immune configuration uses.

        ``redeploy_kernel`` replaces the kernel with a fresh instance: what it
        changes in the stack is what a restart changes, and where the two
        differ (how long they take, which incidents each one cures) is the
        immune configuration's ``durations`` and ``success``.
        """
        return {
            "resume_dispatcher": self.resume_dispatcher,
            "restart_workers": self.restart_workers,
            "drain_queue": self.drain_queue,
            "restart_kernel": self.restart_kernel,
            "redeploy_kernel": self.restart_kernel,
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
