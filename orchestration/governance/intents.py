"""The intent governance router: autonomy tiers, mission alignment and the unified-logic vote.

Autonomy tiers, exactly as design document 002 lists them (Phase 1 charter):

* tier 0, human approval required: modify_governance, change_charter, grant_permissions;
* tier 1, auto-execute, logged for review: execute_sandbox, deploy_model, modify_config;
* tier 2, fully autonomous, low risk: query_knowledge, generate_summary, schedule_task;
* tier 3, autonomous, high impact, requires a unified-logic vote: self_improve, extend_grace, optimize_system;
* tier 4, emergency override, heavy logging: emergency_recovery, critical_incident.

An intent of any other type is invalid and rejected at the door. Mission
alignment is the weight of the highest charter priority the intent's mission
context touches: resilience 1.0, revenue 0.8, autonomy 0.7, learning 0.6,
otherwise ``default_alignment``.

The unified-logic vote asks ``voters`` simulated voters; each votes yes with
probability equal to the intent's alignment (stream ``unified_logic.vote``)
and the intent passes with at least ``quorum`` yes votes. The tally arrives
``vote_time`` seconds later.

:meth:`IntentRouter.admit` takes a routed intent's task the rest of the way:
an actor the governance gate refuses is denied; tiers 1 and 4 are narrated in
the audit log; tier 0 goes to the task manager with a context that requires
the operator's approval; tier 3 waits for the vote and is denied without a
quorum.

Counters: ``intents.tier0`` .. ``intents.tier4`` for each routed intent,
``intents.invalid`` for an unknown type rejected at the door,
``intents.denied`` for an actor the governance gate refused, and
``intents.votes``, ``intents.votes_passed``, ``intents.votes_failed`` for
the unified-logic votes held and their results.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import Field, model_validator

from chaosbench.orchestration.core.sections import Section
from chaosbench.orchestration.core.wiring import Wiring
from chaosbench.orchestration.governance.gate import GovernanceGate
from chaosbench.orchestration.tasks.model import Priority, Task, TaskContext

TIERS: dict[str, int] = {
    "modify_governance": 0,
    "change_charter": 0,
    "grant_permissions": 0,
    "execute_sandbox": 1,
    "deploy_model": 1,
    "modify_config": 1,
    "query_knowledge": 2,
    "generate_summary": 2,
    "schedule_task": 2,
    "self_improve": 3,
    "extend_grace": 3,
    "optimize_system": 3,
    "emergency_recovery": 4,
    "critical_incident": 4,
}

TIER_RISK = ("critical", "medium", "low", "high", "critical")
TIER_PRIORITY = (Priority.HIGH, Priority.NORMAL, Priority.NORMAL, Priority.HIGH, Priority.CRITICAL)
TIER_REASON = (
    "Tier 0: human approval required",
    "Tier 1: auto-execute, logged for review",
    "Tier 2: fully autonomous, low risk",
    "Tier 3: high impact, requires unified logic vote",
    "Tier 4: emergency override, heavy logging",
)

#: Charter priorities and their weights, matched against mission-context keys.
MISSION_WEIGHTS = (
    (("resilience", "resilience_impact"), 1.0),
    (("revenue", "revenue_impact"), 0.8),
    (("autonomy", "autonomy_impact"), 0.7),
    (("learning", "learning_impact"), 0.6),
)


class IntentConfig(Section):
    """Intent routing and the unified-logic vote."""

    voters: int = Field(default=5, ge=1, le=1000, description="simulated unified-logic voters")
    quorum: int = Field(default=3, ge=1, le=1000, description="yes votes needed")
    vote_time: float = Field(default=2.0, ge=0, description="seconds for the tally")
    default_alignment: float = Field(
        default=0.5, ge=0, le=1, description="alignment of an intent touching no charter priority"
    )

    @model_validator(mode="after")
    def _quorum_reachable(self) -> IntentConfig:
        if self.quorum > self.voters:
            raise ValueError(f"quorum ({self.quorum}) cannot exceed voters ({self.voters})")
        return self


@dataclass(frozen=True, slots=True)
class Routing:
    """Where an intent goes and why."""

    tier: int
    alignment: float
    requires_approval: bool
    requires_vote: bool
    priority: Priority
    risk: str
    reasoning: tuple[str, ...]


def mission_alignment(mission_context: dict[str, Any] | None, default: float) -> float:
    """Weight of the highest charter priority ``mission_context`` marks as true."""
    if not mission_context:
        return default
    best = 0.0
    for keys, weight in MISSION_WEIGHTS:
        if any(mission_context.get(key) for key in keys):
            best = max(best, weight)
    return best or default


class IntentTasks(Protocol):
    """The task manager, as the intent router sees it."""

    def submit(self, task: Task) -> bool:
        """Admit ``task`` at the door."""

    def end(self, task: Task, outcome: str, safeguard: str = "") -> None:
        """Record ``task``'s one row, ending in ``outcome``."""


class IntentRouter:
    """Routes intents by tier, asks the governance gate and runs the unified-logic vote."""

    def __init__(self, wiring: Wiring, config: IntentConfig, gate: GovernanceGate, htm: IntentTasks) -> None:
        self.env = wiring.env
        self.config = config
        self._gate = gate
        self._htm = htm
        self._audit = wiring.audit
        self._votes = wiring.rng("unified_logic.vote")
        self._emit = wiring.trace.emit
        self._count = wiring.recorder.count
        self.voting: dict[int, Task] = {}

    def route(self, intent_type: str, mission_context: dict[str, Any] | None = None) -> Routing | None:
        """The routing of an intent, or None for an unknown (invalid) intent type."""
        tier = TIERS.get(intent_type)
        if tier is None:
            return None
        alignment = mission_alignment(mission_context, self.config.default_alignment)
        return Routing(
            tier=tier,
            alignment=alignment,
            requires_approval=tier == 0,
            requires_vote=tier == 3,
            priority=TIER_PRIORITY[tier],
            risk=TIER_RISK[tier],
            reasoning=(TIER_REASON[tier], f"Mission alignment: {alignment:.0%}"),
        )

    def vote(self, ref: int, alignment: float, on_result: Callable[[bool, int], None]) -> None:
        """Hold the unified-logic vote; ``on_result(passed, yes_votes)`` after ``vote_time``."""
        config = self.config
        yes = sum(1 for _ in range(config.voters) if self._votes.random() < alignment)
        passed = yes >= config.quorum
        self._count("intents.votes")
        timer = self.env.timeout(config.vote_time)
        timer.callbacks.append(lambda _e: self._tally(ref, passed, yes, on_result))

    def _tally(self, ref: int, passed: bool, yes: int, on_result: Callable[[bool, int], None]) -> None:
        self._emit(self.env.now, "vote", ref, yes, int(passed))
        self._count("intents.votes_passed" if passed else "intents.votes_failed")
        on_result(passed, yes)

    def admit(self, task: Task, routing: Routing) -> None:
        """Take the task of a routed intent (``task.origin`` is the actor) through governance into the HTM."""
        actor, intent_type = task.origin, task.kind
        task.tier = routing.tier
        self._count(f"intents.tier{routing.tier}")
        if not self._gate.check(actor, intent_type, "intent_router", routing.risk):
            self._count("intents.denied")
            self._htm.end(task, "denied")
            return
        if routing.tier in (1, 4):  # logged for review; emergency overrides logged heavily
            self._audit.record(
                who=actor,
                what=f"intent {intent_type} (task {task.task_id})",
                where="intent_router",
                why="; ".join(routing.reasoning),
                how=f"autonomy tier {routing.tier}",
            )
        if routing.requires_approval:
            task.context = TaskContext(origin_service=actor, risk_level=routing.risk, requires_approval=True)
        if routing.requires_vote:
            self.voting[task.task_id] = task
            self.vote(task.task_id, routing.alignment, lambda passed, _yes: self._voted(task, passed))
        else:
            self._htm.submit(task)

    def reject(self, task: Task) -> None:
        """End the task of an intent of unknown type: rejected at the door."""
        self._count("intents.invalid")
        self._emit(self.env.now, "reject", task.task_id, "unknown intent type")
        self._htm.end(task, "rejected")

    def close(self) -> None:
        """Record every task still awaiting its vote as ``in_flight``."""
        for task in self.voting.values():
            self._htm.end(task, "in_flight")
        self.voting.clear()

    def _voted(self, task: Task, passed: bool) -> None:
        if self.voting.pop(task.task_id, None) is None:
            return
        if passed:
            self._htm.submit(task)
        else:
            self._htm.end(task, "denied")
