"""The governance gate and the trigger mesh's source check (design document 001).

The gate decides whether an actor may perform an action. An actor is
authorized when it is one of the stack's known components (or listed in
``authorized``) and its trust score is at least ``min_trust``. What happens
to an unauthorized request depends on the mode:

* ``log_only``: allowed, and recorded as a would-be denial (counted and
  narrated in the audit log) — the integration plan's safe learning period;
* ``enforce_critical``: denied when the action's risk is high or critical,
  otherwise handled as in log-only mode;
* ``enforce_all``: always denied.

With the gate off every request is allowed unexamined (one it would not have
authorized is counted as ``governance.unexamined``). An actor quarantined
(:meth:`GovernanceGate.quarantine`: an unknown actor the hunter analysed, or a
registered client whose violation the main agent revoked) is denied in every mode.

Each refused (or would-be refused) request is a governance violation: the
gate publishes ``governance.violation``, and for an actor that is not a
component of the stack at all also ``system.security_incident``, at most once
per actor every ``report_interval`` seconds, so a flood from one actor raises
one alarm rather than thousands. ``on_violation`` listeners hear every
violation (the stack writes each to its governance decisions table).

:class:`MeshGuard` is the trigger mesh's validator pair (design document 001, phase 2):
before an event from a source is routed, the gate checks the source's
compliance and the trust scorer its trust. Events from a non-compliant source
are dropped; events from an untrusted source are held back and retried every
``hold`` seconds (trust recovers with time), dropped after ``max_holds``.
Both are counted (``mesh.dropped``, ``mesh.held``).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Literal, Protocol, TypeVar

from pydantic import Field

from chaosbench.orchestration.core.sections import Safeguard, Section, active
from chaosbench.orchestration.core.wiring import SILENT, Announce, Wiring
from chaosbench.orchestration.governance.trust import TrustScorer

COMPONENTS = (
    "htm",
    "workload",
    "operator",
    "immune_kernel",
    "watchdog",
    "event_policy",
    "event_policy_kernel",
    "event_router",
    "workflow_engine",
    "trigger_mesh",
    "unified_logic",
    "governance",
    "hunter",
    "self_heal",
    "learning",
    "verification",
    "boot",
    "health_monitor",
    "metrics_monitor",
    "kpi_monitor",
    "heartbeat_monitor",
    "test_quality_monitor",
    "trust_scorer",
    "governance_gate",
    "memory",
)

Mode = Literal["log_only", "enforce_critical", "enforce_all"]


class GovernanceConfig(Safeguard):
    """The governance gate; design document 001 recommends starting in log-only mode."""

    mode: Mode = Field(default="log_only", description="log_only, enforce_critical or enforce_all")
    authorized: tuple[str, ...] = Field(
        default=("client*",),
        description="actors authorized besides the stack's components (its registered clients); "
                    "a trailing * matches a prefix",
    )
    report_interval: float = Field(default=60.0, gt=0, description="seconds between two violation reports on one actor")


class MeshGuardConfig(Section):
    """The trigger mesh's constitutional and trust validators."""

    hold: float = Field(default=5.0, gt=0, description="seconds an event from an untrusted source is held back")
    max_holds: int = Field(default=3, ge=0, le=1000, description="holds before the event is dropped")


class GovernanceGate:
    """Allows or denies actions by actor, trust and risk."""

    def __init__(
        self, wiring: Wiring, config: GovernanceConfig, trust: TrustScorer, *, safeguards: bool = True,
        announce: Announce = SILENT,
    ) -> None:
        self.env = wiring.env
        self.config = config
        self.on = active(config, safeguards)
        self.mode = config.mode
        self.trust = trust
        names = (*COMPONENTS, *config.authorized)
        self._authorized = frozenset(name for name in names if not name.endswith("*"))
        self._prefixes = tuple(name[:-1] for name in names if name.endswith("*"))
        self._audit = wiring.audit
        self._count = wiring.recorder.count
        self._emit = wiring.trace.emit
        self._announce = announce
        self._reported: dict[str, float] = {}
        self.on_violation: list[Callable[[str, str, bool], None]] = []
        self._quarantined: set[str] = set()
        self.denied = 0
        self.would_deny = 0

    def known(self, actor: str) -> bool:
        """Whether ``actor`` is a component or listed as authorized."""
        return actor in self._authorized or actor.startswith(self._prefixes)

    def authorized(self, actor: str) -> bool:
        """Whether ``actor`` is known and trusted."""
        return self.known(actor) and self.trust.trusted(actor)

    def check(self, actor: str, action: str, resource: str = "", risk: str = "medium") -> bool:
        """Whether ``actor`` may perform ``action`` on ``resource`` at ``risk``."""
        if self.authorized(actor) and actor not in self._quarantined:
            return True
        if not self.on:
            # Nothing examines the request; counting it lets a run show what an absent gate let in.
            self._count("governance.unexamined")
            return True
        enforce = (self.mode == "enforce_all" or (self.mode == "enforce_critical" and risk in ("high", "critical"))
                   or actor in self._quarantined)
        now = self.env.now
        if enforce:
            self.denied += 1
            self._count("safeguard.governance_deny")
            self._emit(now, "governance_deny", actor, action)
            verdict = "denied"
        else:
            self.would_deny += 1
            self._count("governance.would_deny")
            self._emit(now, "governance_would_deny", actor, action)
            verdict = (
                "would deny (log-only)" if self.mode == "log_only" else f"would deny (not enforced at {risk} risk)"
            )
        self._report(actor, action, now)
        for listener in self.on_violation:
            listener(actor, action, enforce)
        known = "untrusted" if self.known(actor) else "not authorized"
        self._audit.record(
            who="governance_gate",
            what=f"{verdict}: {action} by {actor}",
            where=resource or "stack",
            why=f"actor {known}; risk {risk}; mode {self.mode}",
            how="governance gate check",
        )
        return not enforce

    def quarantined(self, actor: str) -> bool:
        """Whether ``actor`` is quarantined (every request of it is denied)."""
        return actor in self._quarantined

    def registered(self, actor: str) -> bool:
        """Whether ``actor`` is known without being one of the stack's own components (a registered client)."""
        return self.known(actor) and actor not in COMPONENTS

    def quarantine(self, actor: str, why: str = "the hunter analysed it as an unknown actor") -> None:
        """Deny every later request of ``actor``, whatever the mode (the hunter or the main agent found it hostile)."""
        if actor not in self._quarantined:
            self._quarantined.add(actor)
            self._count("governance.quarantined")
            self._emit(self.env.now, "quarantine", actor)
            self._audit.record(who="governance_gate", what=f"quarantine {actor}", where="stack",
                               why=why, how="deny in every mode")

    def _report(self, actor: str, action: str, now: float) -> None:
        last = self._reported.get(actor)
        if last is not None and now - last < self.config.report_interval:
            return
        self._reported[actor] = now
        self._announce("governance.violation", {"component_id": actor, "policy": action})
        if not self.known(actor):
            self._announce("system.security_incident", {"component_id": actor, "kind": "unknown actor"})


class Sourced(Protocol):
    """An event, as the mesh guard sees it (governance does not import the mesh)."""

    @property
    def source(self) -> str:
        """Who published it."""

    @property
    def type(self) -> str:
        """Its event type."""


E = TypeVar("E", bound=Sourced)


class MeshGuard:
    """Checks an event's source before the mesh routes it.

    A source's compliance (the gate's verdict on letting it publish) is asked
    once, when the source is first seen, so a storm from one source leaves one
    narrative rather than one per event; its trust is read for every event.
    The validators are booted with the stack; while they are not running
    (``validating`` false, a boot chunk that failed) events pass unchecked,
    counted as ``mesh.unvalidated``.
    """

    def __init__(self, wiring: Wiring, config: MeshGuardConfig, gate: GovernanceGate) -> None:
        self.env = wiring.env
        self.config = config
        self._gate = gate
        self._trust = gate.trust
        self._count = wiring.recorder.count
        self._emit = wiring.trace.emit
        self._compliant: dict[str, bool] = {}
        self.validating = True
        self.held = 0
        self.dropped = 0

    def guard(self, route: Callable[[E], None]) -> Callable[[E], None]:
        """A bus handler that checks each event's source, then calls ``route(event)``."""
        if not self._gate.on:
            return route
        return partial(self.admit, route=route)  # one call per event, not a lambda calling admit

    def admit(self, event: E, route: Callable[[E], None], holds: int = 0) -> None:
        """Route ``event`` now, later, or never, as its source's standing allows."""
        if not self.validating:
            self._count("mesh.unvalidated")
            route(event)
            return
        source = event.source
        compliant = self._compliant.get(source)
        if compliant is None:
            # Compliance is about who the source is; its trust is weighed per event below.
            gate = self._gate
            compliant = gate.known(source) or gate.check(source, "publish", "trigger_mesh", "medium")
            self._compliant[source] = compliant
        if not compliant:
            self._drop(event)
        elif self._trust.trusted(source):
            route(event)
        elif holds >= self.config.max_holds:
            self._drop(event)
        else:
            self.held += 1
            self._count("mesh.held")
            self._emit(self.env.now, "mesh_hold", source, event.type)
            timer = self.env.timeout(self.config.hold)
            timer.callbacks.append(lambda _e: self.admit(event, route, holds + 1))

    def _drop(self, event: Sourced) -> None:
        self.dropped += 1
        self._count("mesh.dropped")
        self._emit(self.env.now, "mesh_drop", event.source, event.type)
