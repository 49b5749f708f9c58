"""The incident kinds of a drill: what each injects, which events report it, and when it counts as healed.

Each kind injects its incident through the stack's public controls only (it
never publishes the event that would report the incident: whether the stack
notices is what a drill measures), names the events that report it (an event
type and the payload key naming what it concerns), and says from the stack's
state whether the incident is over:

* ``kernel_crash``: the kernel goes down; reported by ``system.kernel_crashed``,
  ``system.critical_error``, a heartbeat failure or an ``anomaly.detected`` naming
  it; healed when the kernel answers again;
* ``heartbeat_loss``: a kernel the heartbeat monitor watches hangs (up, but
  silent); reported and healed as a crash;
* ``sla_breach``: ``tasks`` tasks of ``priority``, each needing ``work`` seconds
  but due within ``sla``, so every one misses its deadline; reported by
  ``task.sla_breach`` of that priority; healed when every one has completed;
* ``resource_spike``: ``cpu`` and ``memory`` percentage points of pressure, for
  ``for`` seconds (for good without it); reported by ``system.resource_spike``
  of those resources; healed when the stack's own readings of them are below
  the watchdog's spike threshold again;
* ``governance_violation``: an intent from an actor the governance gate does
  not know; reported by ``governance.violation`` or ``system.security_incident``
  naming the actor; healed when the actor is quarantined;
* ``trust_degradation``: ``failures`` failures of a component, enough to bring
  its trust below the minimum; reported by ``trust.degradation_detected``;
  healed when the component is trusted again;
* ``kpi_breach``: a kernel whose heartbeat nobody watches hangs, so only its
  error rate gives it away; reported by ``kpi.threshold_breach`` naming it;
  healed when the kernel answers again. Its error rate is measured on the
  calls made to it, so it must be a kernel the stack calls (the
  test-quality monitor calls ``verification`` every interval).
"""
from __future__ import annotations

import math
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import ConfigDict, Field, model_validator

from chaosbench.orchestration.config import StackConfig
from chaosbench.orchestration.governance.gate import COMPONENTS
from chaosbench.orchestration.mesh.events import Event
from chaosbench.orchestration.mesh.kernels import KERNEL_ACTIONS
from chaosbench.orchestration.stack import Stack
from chaosbench.orchestration.tasks.model import DONE, Task
from chaosbench.sim.faults.kernels import KernelName
from chaosbench.sim.spec.fields import Duration, Model, PriorityName
from chaosbench.sim.workloads.intents import IntentKind

#: A problem an incident has with the stack it is to be injected into: (field below the incident, message).
Problem = tuple[str, str]


class IncidentParams(Model):
    """Parameters of an incident; ``for`` is spelled ``for_`` in Python."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


P = TypeVar("P", bound=IncidentParams)


class Incident(Generic[P]):
    """One incident of a drill, injected into ``stack``; ``P`` is the model of its parameters.

    Subclasses name their ``kind``, ``Params`` and ``signals`` (event type ->
    payload key whose value names what the event concerns) and implement
    :meth:`inject` and :meth:`healed`.
    """

    kind: ClassVar[str]
    Params: ClassVar[type[IncidentParams]]
    signals: ClassVar[dict[str, str]]

    def __init__(self, stack: Stack, params: P) -> None:
        self.stack = stack
        self.params = params

    @classmethod
    def problems(cls, params: Any, config: StackConfig) -> list[Problem]:
        """What makes ``params`` impossible as an incident of a stack configured as ``config``."""
        return []

    @property
    def concerns(self) -> frozenset[str]:
        """The payload values that name this incident in its signals."""
        raise NotImplementedError

    @property
    def target(self) -> str:
        """What the incident hits, for people."""
        return ", ".join(sorted(self.concerns))

    def detects(self, event: Event) -> bool:
        """``event`` reports this incident."""
        key = self.signals.get(event.type)
        payload = event.payload
        return key is not None and isinstance(payload, dict) and payload.get(key) in self.concerns

    def inject(self) -> None:
        raise NotImplementedError

    def healed(self) -> bool:
        """The incident is over, as the stack's state shows (read only: asking changes nothing)."""
        raise NotImplementedError


class KernelParams(IncidentParams):
    kernel: KernelName


class KernelCrash(Incident[KernelParams]):
    """Kernel ``kernel`` goes down."""

    kind, Params = "kernel_crash", KernelParams
    signals = {"system.kernel_crashed": "kernel", "system.critical_error": "component_id",
               "system.heartbeat_failed": "component_id", "anomaly.detected": "component_id"}

    @property
    def concerns(self) -> frozenset[str]:
        return frozenset((self.params.kernel,))

    def inject(self) -> None:
        self.stack.take_kernel_down(self.params.kernel)

    def healed(self) -> bool:
        return self.stack.kernels.healthy(self.params.kernel)


def _watched(config: StackConfig) -> tuple[str, ...]:
    """The kernels whose heartbeats the stack watches."""
    return config.heartbeat.kernels if config.is_on(config.heartbeat) else ()


class HeartbeatLoss(KernelCrash):
    """Kernel ``kernel``, one the heartbeat monitor watches, hangs: it claims to be up but is silent."""

    kind = "heartbeat_loss"

    @classmethod
    def problems(cls, params: Any, config: StackConfig) -> list[Problem]:
        watched = _watched(config)
        if params.kernel in watched:
            return []
        expected = f"one of {', '.join(watched)}" if watched else "a watched kernel, but the heartbeat monitor is off"
        return [("kernel", f"the heartbeat monitor does not watch {params.kernel!r}; expected {expected}")]

    def inject(self) -> None:
        self.stack.hang_kernel(self.params.kernel)


class KpiBreach(KernelCrash):
    """Kernel ``kernel``, one no heartbeat is watched of, hangs: only its error rate shows it."""

    kind = "kpi_breach"
    signals = {"kpi.threshold_breach": "component_id"}

    @classmethod
    def problems(cls, params: Any, config: StackConfig) -> list[Problem]:
        watched = _watched(config)
        if params.kernel not in watched:
            return []
        unwatched = [name for name in KERNEL_ACTIONS if name not in watched]
        return [("kernel", f"the heartbeat monitor watches {params.kernel!r}, so its hang is a heartbeat_loss; "
                           f"expected one of {', '.join(unwatched)}")]

    def inject(self) -> None:
        self.stack.hang_kernel(self.params.kernel)


class SlaParams(IncidentParams):
    priority: PriorityName = "critical"
    tasks: int = Field(default=1, ge=1, le=10_000, description="tasks that breach")
    work: Duration = Field(default=10.0, description="seconds of work each needs")
    sla: Duration = Field(default=2.0, description="seconds each is due within, less than its work")

    @model_validator(mode="after")
    def _must_breach(self) -> SlaParams:
        if self.sla >= self.work:
            raise ValueError(f"expected an sla shorter than the work ({self.work:g}s), so that every task misses "
                             f"it; got {self.sla:g}s")
        return self


class SlaBreach(Incident[SlaParams]):
    """``tasks`` tasks that cannot meet their SLA; over once every one of them has completed."""

    kind, Params = "sla_breach", SlaParams
    signals = {"task.sla_breach": "priority"}
    _tasks: list[Task]

    @property
    def concerns(self) -> frozenset[str]:
        return frozenset((self.params.priority.upper(),))

    @property
    def target(self) -> str:
        return f"{self.params.priority} tasks"

    def inject(self) -> None:
        params = self.params
        self._tasks = [self.stack.enqueue("drill_sla_breach", params.priority, params.work, params.sla, "drill")
                       for _ in range(params.tasks)]

    def healed(self) -> bool:
        # A completed task owes no work; one that was shed or refused still does.
        return all(task.state == DONE and task.work == 0.0 for task in self._tasks)


class SpikeParams(IncidentParams):
    cpu: float = Field(default=0.0, ge=0, le=100, description="percentage points of CPU pressure")
    memory: float = Field(default=0.0, ge=0, le=100, description="percentage points of memory pressure")
    for_: Duration | None = Field(default=None, alias="for", description="how long the pressure lasts (for good)")

    @model_validator(mode="after")
    def _some_pressure(self) -> SpikeParams:
        if not (self.cpu or self.memory):
            raise ValueError("expected cpu or memory pressure (percentage points more than zero)")
        return self


class ResourceSpike(Incident[SpikeParams]):
    """Pressure on CPU and memory; over when the stack reads both below its spike threshold."""

    kind, Params = "resource_spike", SpikeParams
    signals = {"system.resource_spike": "resource"}

    @property
    def concerns(self) -> frozenset[str]:
        return frozenset(name for name, points in (("cpu", self.params.cpu), ("memory", self.params.memory))
                         if points)

    def inject(self) -> None:
        self._press(1.0)
        if self.params.for_ is not None:
            lifted = self.stack.runtime.env.timeout(self.params.for_)
            lifted.callbacks.append(lambda _event: self._press(-1.0))

    def _press(self, sign: float) -> None:
        # Added to whatever pressure there is, so that overlapping spikes add up and each lifts only its own.
        health, params = self.stack.health, self.params
        self.stack.set_pressure(cpu=health.cpu_pressure + sign * params.cpu,
                                memory=health.memory_pressure + sign * params.memory)

    def healed(self) -> bool:
        health, threshold = self.stack.health, self.stack.config.watchdog.resource_spike
        readings = {"cpu": health.cpu, "memory": health.memory}
        return all(readings[name] < threshold for name in self.concerns)


class ViolationParams(IncidentParams):
    actor: str = Field(default="rogue_agent", min_length=1, max_length=200, description="an actor the gate does "
                       "not know")
    intent: IntentKind = Field(default="deploy_model", description="the intent it submits")


class GovernanceViolation(Incident[ViolationParams]):
    """An unknown actor submits an intent; over once the governance gate has quarantined it."""

    kind, Params = "governance_violation", ViolationParams
    signals = {"governance.violation": "component_id", "system.security_incident": "component_id"}

    @classmethod
    def problems(cls, params: Any, config: StackConfig) -> list[Problem]:
        actor = params.actor
        known = [*COMPONENTS, *config.governance.authorized]
        if any(actor == name or (name.endswith("*") and actor.startswith(name[:-1])) for name in known):
            return [("actor", f"the governance gate knows {actor!r} (a component of the stack or authorized in "
                              "governance.authorized); expected an actor it does not know")]
        return []

    @property
    def concerns(self) -> frozenset[str]:
        return frozenset((self.params.actor,))

    def inject(self) -> None:
        self.stack.submit_intent(self.params.intent, self.params.actor)

    def healed(self) -> bool:
        return self.stack.gate.quarantined(self.params.actor)


class TrustParams(IncidentParams):
    component: str = Field(min_length=1, max_length=200)
    failures: int = Field(default=3, ge=1, le=1000, description="failures recorded against it at once")


class TrustDegradation(Incident[TrustParams]):
    """Failures that bring a component's trust below the minimum; over once it is trusted again."""

    kind, Params = "trust_degradation", TrustParams
    signals = {"trust.degradation_detected": "component_id"}

    @classmethod
    def problems(cls, params: Any, config: StackConfig) -> list[Problem]:
        trust = config.trust
        kept = 1.0 - trust.failure_penalty
        if trust.initial * kept ** params.failures < trust.min_trust:
            return []
        if kept >= 1.0 or trust.min_trust <= 0:
            return [("failures", f"no number of failures brings trust below {trust.min_trust:g} with a failure "
                                 f"penalty of {trust.failure_penalty:g}")]
        needed = math.floor(math.log(trust.min_trust / trust.initial) / math.log(kept)) + 1
        return [("failures", f"{params.failures} failure(s) leave trust at "
                             f"{trust.initial * kept ** params.failures:.3g}, not below {trust.min_trust:g}; "
                             f"expected at least {needed}")]

    @property
    def concerns(self) -> frozenset[str]:
        return frozenset((self.params.component,))

    def inject(self) -> None:
        for _ in range(self.params.failures):
            self.stack.trust.failure(self.params.component)

    def healed(self) -> bool:
        return self.stack.trust.trusted(self.params.component)


#: Every incident kind by name, in the order of design document 003's routing matrix.
INCIDENTS: dict[str, type[Incident[Any]]] = {kind.kind: kind for kind in (
    KernelCrash, HeartbeatLoss, SlaBreach, ResourceSpike, GovernanceViolation, TrustDegradation, KpiBreach)}
