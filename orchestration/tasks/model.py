"""Tasks, their priorities and the outcomes a task can end in."""
from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

NAN = float("nan")


class Priority(IntEnum):
    """HTM priorities; a lower value is served first."""

    CRITICAL = 0
    HIGH = 1
    NORMAL = 2
    LOW = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str | int | Priority) -> Priority:
        """Accept a Priority, its value, or its name in any case."""
        if type(value) is cls:
            return value
        if isinstance(value, str):
            return cls[value.upper()]
        return cls(value)


PRIORITY_LABELS = tuple(p.label for p in Priority)

#: Every outcome a task can end a run in. ``in_flight`` means not finished
#: when the simulation stopped (still queued, pending or running).
OUTCOMES = (
    "completed",
    "failed",
    "shed",
    "rejected",
    "dead_lettered",
    "denied",
    "expired",
    "refused",
    "in_flight",
)

#: Columns of the tasks table, in order (DESIGN §4).
TASK_COLUMNS = (
    "task_id",
    "kind",
    "origin",
    "priority",
    "final_priority",
    "enqueued_at",
    "started_at",
    "finished_at",
    "deadline",
    "outcome",
    "worker",
    "attempts",
    "escalated",
    "batch",
    "approval",
)


RISK_LEVELS = ("low", "medium", "high", "critical")

#: Where a task is in its life; only the task manager changes it.
QUEUED, RUNNING, PENDING, DONE = range(4)


@dataclass(frozen=True, slots=True)
class TaskContext:
    """What a task carries about itself (design document 003's ``TaskContext``).

    ``origin_service`` groups tasks for context stacking; ``requires_approval``
    sends the task through the approval gate before it may run.
    """

    origin_service: str = ""
    dependent_resources: tuple[str, ...] = ()
    verification_steps: tuple[str, ...] = ()
    related_tasks: tuple[str, ...] = ()
    risk_level: str = "low"
    requires_approval: bool = False
    rollback_plan: Any = None


def _number(value: Any) -> float:
    # Anything that is not a real number becomes NaN, which admission rejects.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return NAN
    return float(value)


class Task:
    """One unit of work in the task manager.

    ``work`` is the service time still owed; a preempted or interrupted task
    keeps what it has done. ``worker`` is -1 until a worker takes it.
    """

    __slots__ = (
        "task_id",
        "kind",
        "origin",
        "priority",
        "initial_priority",
        "work",
        "enqueued_at",
        "started_at",
        "finished_at",
        "deadline",
        "sla",
        "worker",
        "attempts",
        "escalated",
        "batch",
        "approval",
        "payload",
        "context",
        "handler",
        "state",
        "breached",
        "tier",
        "watched",
    )

    def __init__(
        self,
        task_id: int,
        kind: str,
        priority: Priority,
        work: float,
        enqueued_at: float,
        sla: float,
        origin: str = "",
        payload: Any = None,
        context: TaskContext | None = None,
        handler: str = "",
        tier: int = -1,
    ) -> None:
        self.task_id = task_id
        self.kind = kind
        self.origin = origin
        self.priority = priority
        self.initial_priority = priority
        self.work = work if type(work) is float else _number(work)
        self.enqueued_at = float(enqueued_at)
        self.started_at = NAN
        self.finished_at = NAN
        self.sla = sla if type(sla) is float else _number(sla)
        self.deadline = self.enqueued_at + self.sla
        self.worker = -1
        self.attempts = 0
        self.escalated = 0
        self.batch = -1
        self.approval = ""
        self.payload = payload
        self.context = context
        self.handler = handler
        self.state = QUEUED
        self.breached = False
        self.tier = tier
        self.watched = False

    def row(self, outcome: str) -> tuple[Any, ...]:
        """The task's row of the tasks table, ending in ``outcome``."""
        return (
            self.task_id,
            self.kind,
            self.origin,
            PRIORITY_LABELS[self.initial_priority],
            PRIORITY_LABELS[self.priority],
            self.enqueued_at,
            self.started_at,
            self.finished_at,
            self.deadline,
            outcome,
            self.worker,
            self.attempts,
            self.escalated,
            self.batch,
            self.approval,
        )

    def __repr__(self) -> str:
        return f"Task({self.task_id}, {self.kind!r}, {self.priority.name})"
