"""Approval gates: risky tasks wait for the operator before they may run.

A task whose context requires approval waits in the pending set, never in a
queue, until the operator answers. Approved, it is queued like any other task
(``approval = "approved"``); denied, it ends as ``denied``; unanswered after
``timeout`` seconds, it ends as ``expired``. A late answer for an expired task
is ignored. With the gate off such tasks run without asking
(``approval = "unchecked"``). Each request counts ``safeguard.approval_gate``
and its answer ``approval.approved``, ``approval.denied`` or
``approval.expired``.
"""
from __future__ import annotations

from typing import Any

from pydantic import Field

from chaosbench.orchestration.core.sections import Safeguard
from chaosbench.orchestration.core.wiring import Wiring
from chaosbench.orchestration.governance.operator import Operator
from chaosbench.orchestration.tasks.manager import TaskManager
from chaosbench.orchestration.tasks.model import PENDING, Task


class ApprovalConfig(Safeguard):
    """Human approval for tasks that require it (design document 003's pending-approval queue)."""

    timeout: float = Field(default=3600.0, gt=0, description="seconds a request waits before it expires")


class ApprovalGate:
    """Holds tasks pending approval and releases them into ``htm``."""

    def __init__(self, wiring: Wiring, config: ApprovalConfig, htm: TaskManager, operator: Operator) -> None:
        self.env = wiring.env
        self._timeout = config.timeout
        self._htm = htm
        self._operator = operator
        self._audit = wiring.audit
        self._count = wiring.recorder.count
        self._emit = wiring.trace.emit
        self.pending: dict[int, Task] = {}
        self.approved = 0

    def submit(self, task: Task) -> None:
        """Hold ``task`` until the operator answers or the request expires."""
        task.state = PENDING
        task.approval = "pending"
        self.pending[task.task_id] = task
        self._count("safeguard.approval_gate")
        self._emit(self.env.now, "approval_asked", task.task_id)
        self._narrate(task, "approval requested", "the task's context requires approval")
        timer = self.env.timeout(self._timeout, task.task_id)
        timer.callbacks.append(self._expire)
        ref = task.task_id
        self._operator.ask(ref, lambda approved: self._answer(ref, approved))

    def close(self) -> None:
        """Record every task still pending as ``in_flight``."""
        for task in self.pending.values():
            self._htm.end(task, "in_flight")
        self.pending.clear()

    def _answer(self, ref: int, approved: bool) -> None:
        task = self.pending.pop(ref, None)
        if task is None:
            return  # expired meanwhile
        self._count("approval.approved" if approved else "approval.denied")
        if approved:
            self.approved += 1
            task.approval = "approved"
            self._emit(self.env.now, "approve", ref)
            self._narrate(task, "approved", "the operator approved")
            self._htm.enqueue(task)
        else:
            task.approval = "denied"
            self._emit(self.env.now, "deny", ref)
            self._narrate(task, "denied", "the operator denied")
            self._htm.end(task, "denied")

    def _expire(self, timer: Any) -> None:
        task = self.pending.pop(timer.value, None)
        if task is not None:
            self._count("approval.expired")
            task.approval = "expired"
            self._emit(self.env.now, "expire", task.task_id)
            self._narrate(task, "approval expired", f"no answer within {self._timeout:g}s")
            self._htm.end(task, "expired")

    def _narrate(self, task: Task, what: str, why: str) -> None:
        self._audit.record(
            who="htm.approval_gate",
            what=f"{what}: task {task.task_id} ({task.kind})",
            where="pending_approval",
            why=why,
            how="simulated operator",
        )
