"""Faults on the event side: trigger storms, message loss, duplication and reordering, policy cascades."""
from __future__ import annotations

import copy
from pathlib import Path

import yaml
from pydantic import Field

from chaosbench.orchestration.core.yamlfile import load_yaml
from chaosbench.orchestration.policy.rules import default_rules_path
from chaosbench.sim.faults.base import Fault, FaultParams, Windowed
from chaosbench.sim.spec.fields import Duration, Fraction, Rate
from chaosbench.sim.workloads.events import EventWorkload, start_event_stream

#: The event type a policy cascade travels along (its schema allows the extra ``hop`` field).
CASCADE_EVENT = "system.dependency_drift"


class TriggerStormParams(Windowed):
    rate: Rate
    event_types: list[str] = Field(default=["kpi.threshold_breach"], min_length=1)
    sources: int = Field(default=10, ge=1, le=100_000)
    duplicates: Fraction = Field(default=0.1, description="share of events that are redeliveries of an earlier one")


class TriggerStorm(Fault[TriggerStormParams]):
    """An event stream at ``rate`` for ``for`` seconds, some events redelivered with the same (source, id)."""

    kind = "trigger_storm"
    Params = TriggerStormParams

    def begin(self) -> None:
        params, stack = self.params, self.stack
        share = 1.0 / len(params.event_types)
        stream = EventWorkload(rate=params.rate, types={t: share for t in params.event_types}, sources=params.sources,
                               source_prefix=f"storm{self.index}", duplicate_fraction=params.duplicates)
        self.before = stack.bus.stats()["published"], stack.router.stats()["events_received"]
        start_event_stream(stack.runtime, stack, stream, self.rng_name, stack.runtime.env.now + params.duration)

    def end(self) -> None:
        published, received = self.stack.bus.stats()["published"], self.stack.router.stats()["events_received"]
        self.delta = published - self.before[0], received - self.before[1]

    def effect(self) -> tuple[float, str]:
        published, received = getattr(self, "delta", (0, 0))
        return received, f"{published} events published during the storm; the trigger mesh received {received}"


class BusProbability(Windowed):
    probability: Fraction


class _BusFault(Fault[BusProbability]):
    """Shared shape of the three bus faults: set a probability, count what the bus did, clear it."""

    counter: str

    def begin(self) -> None:
        self.before = self.stack.bus.stats()[self.counter]
        self._set(self.params.probability)

    def end(self) -> None:
        self.after = self.stack.bus.stats()[self.counter]
        self._set(0.0)

    def _set(self, probability: float) -> None:
        """Make the bus misbehave with ``probability`` (0 stops it)."""
        raise NotImplementedError

    def effect(self) -> tuple[float, str]:
        changed = getattr(self, "after", self.before) - self.before
        return changed, f"{changed} deliveries {self.counter} at probability {self.params.probability:g}"


class MessageLoss(_BusFault):
    """The bus loses each delivery with ``probability`` for ``for`` seconds."""

    kind, Params, counter = "message_loss", BusProbability, "lost"

    def _set(self, probability: float) -> None:
        self.stack.set_bus_loss(probability)


class DuplicationParams(BusProbability):
    delay: Duration = Field(default=0.0, ge=0, le=86_400, description="how much later the second copy arrives")


class MessageDuplication(_BusFault):
    """The bus delivers each event twice with ``probability`` for ``for`` seconds, the copy ``delay`` later."""

    kind, Params, counter = "message_duplication", DuplicationParams, "duplicated"

    def _set(self, probability: float) -> None:
        assert isinstance(self.params, DuplicationParams), "a duplication fault carries its delay"
        self.stack.set_bus_duplication(probability, self.params.delay)


class ReorderParams(BusProbability):
    window: Duration = Field(default=2.0, gt=0, le=3600, description="longest an event is held back in transit")


class MessageReorder(_BusFault):
    """The bus holds each delivery back, up to ``window`` seconds, with ``probability`` for ``for`` seconds."""

    kind, Params, counter = "message_reorder", ReorderParams, "reordered"

    def _set(self, probability: float) -> None:
        assert isinstance(self.params, ReorderParams), "a reorder fault carries its window"
        self.stack.set_bus_reorder(probability, self.params.window)


class PolicyCascadeParams(FaultParams):
    depth: int = Field(ge=1, le=1000)
    cascades: int = Field(default=1, ge=1, le=100_000, description="cascades set off at once")


class PolicyCascade(Fault[PolicyCascadeParams]):
    """A misconfigured rule set in which each rule's event triggers the next, ``depth`` rules deep.

    The fault puts ``depth`` chained rules in front of the stack's own rules
    (the policy kernel's public rule reload) and publishes the first event
    ``cascades`` times. Each chained rule asks for self-healing and raises a
    HIGH task, as a misconfigured healing rule would, so every hop costs the
    stack work. Its effect is how many of the chain's rules fired, and how
    many cascades the breaker stopped.
    """

    kind = "policy_cascade"
    Params = PolicyCascadeParams

    def begin(self) -> None:
        policy = self.stack.policy
        self.broken_before = policy.stats()["cascades_broken"]
        self.prefix = f"chaos_cascade_{self.index}_"
        chain = [
            {"name": f"{self.prefix}{hop}", "events": [CASCADE_EVENT], "condition": f"payload.hop == {hop}",
             "actions": ["self_heal"], "priority": "high",
             "emit": {"event_type": CASCADE_EVENT, "payload": {"dependency": "cascade", "hop": hop + 1}}}
            for hop in range(1, self.params.depth + 1)
        ]
        path = Path(self.stack.config.policy.rules_file or default_rules_path())
        document = copy.deepcopy(load_yaml(path))
        document["rules"] = chain + list(document["rules"])
        policy.reload(f"{self.prefix}{path.name}", text=yaml.safe_dump(document, sort_keys=False))
        for _ in range(self.params.cascades):
            self.stack.publish(CASCADE_EVENT, {"dependency": "cascade", "hop": 1}, source="policy_cascade")

    def effect(self) -> tuple[float, str]:
        stats = self.stack.policy.stats()
        hops = sum(n for rule, n in stats["fired_by_rule"].items() if rule.startswith(self.prefix))
        broken = stats["cascades_broken"] - self.broken_before
        return (hops + broken,
                f"{hops} of the {self.params.depth} chained rules fired (deepest chain {stats['deepest']}); "
                f"{broken} cascades stopped by the breaker")
