"""The immune kernel (AVN): answers anomaly events with healing playbooks.

For an ``anomaly.detected`` event whose payload ``type`` is the incident
signature, the kernel tries playbooks in order: the learned one first (the
learning loop's recommendation), then the configured candidates for that
signature. Each attempt asks the governance gate; a denied playbook is
skipped. An allowed one is applied after ``latency`` seconds and reports
whether it healed; the outcome goes to the learning loop and to the
``immune`` table with the playbook's success rate so far. The first playbook
that heals ends the incident; one incident per signature is handled at a time.

Playbooks are the stack's controls, handed in by the stack: restart the
workers, resume the dispatcher, drain a stuck queue, bring a kernel back.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field

from chaosbench.orchestration.core.sections import Safeguard
from chaosbench.orchestration.core.wiring import Wiring

IMMUNE_COLUMNS = ("time", "signature", "playbook", "outcome", "success_rate")
SOURCE = "immune_kernel"
Playbook = Callable[[dict], bool]


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


class ImmuneKernel:
    """Heals what the anomaly events report."""

    def __init__(self, wiring: Wiring, config: ImmuneConfig, gate: Any, learning: Any,
                 playbooks: dict[str, Playbook]) -> None:
        self.env = wiring.env
        self.config = config
        self._gate = gate
        self._learning = learning
        self._playbooks = playbooks
        self._audit = wiring.audit
        self._count = wiring.recorder.count
        self._emit = wiring.trace.emit
        self._rows = wiring.recorder.table("immune", IMMUNE_COLUMNS)
        self._open: set[str] = set()
        self.anomalies = 0
        self.healed = 0

    def handle(self, event: Any) -> None:
        """Bus handler: take ``anomaly.*`` events, ignore the rest."""
        payload = event.payload
        if event.type.startswith("anomaly.") and isinstance(payload, dict) and isinstance(payload.get("type"), str):
            self.on_anomaly(payload["type"], payload)

    def on_anomaly(self, signature: str, payload: dict) -> None:
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

    def _heal(self, signature: str, payload: dict, candidates: list[str]):
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
