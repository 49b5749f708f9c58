"""Faults on governance: floods of requests from actors nobody authorized."""
from __future__ import annotations

from pydantic import Field
from simpy.events import ProcessGenerator

from chaosbench.sim.checks.safeguards import INTRUDER
from chaosbench.sim.faults.base import Fault, Windowed
from chaosbench.sim.spec.fields import Rate
from chaosbench.sim.workloads.intents import IntentKind


class AclFloodParams(Windowed):
    rate: Rate
    intent: IntentKind = "modify_config"
    actors: int = Field(default=5, ge=1, le=100_000)


class AclFlood(Fault[AclFloodParams]):
    """Intents from unauthorized actors at ``rate`` for ``for`` seconds."""

    kind = "acl_flood"
    Params = AclFloodParams

    def begin(self) -> None:
        self.sent = 0
        gate = self.stack.gate
        self.before = gate.denied, gate.would_deny
        self.stack.runtime.env.process(self._flood())

    def _flood(self) -> ProcessGenerator:
        env = self.stack.runtime.env
        rng = self.stack.runtime.rng(self.rng_name)
        until = env.now + self.params.duration
        while env.now < until:
            actor = f"{INTRUDER}-{self.index}-{int(rng.random() * self.params.actors)}"
            self.stack.submit_intent(self.params.intent, actor)
            self.sent += 1
            yield env.timeout(rng.expovariate(self.params.rate))

    def effect(self) -> tuple[float, str]:
        denied = self.stack.gate.denied - self.before[0]
        noted = self.stack.gate.would_deny - self.before[1]
        return denied + noted, f"{self.sent} unauthorized intents: {denied} denied, {noted} allowed as would-be denials"
