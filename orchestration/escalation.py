"""SLA deadlines: auto-escalation of waiting tasks and breach tracking.

A task due ``sla`` seconds after it was enqueued is escalated one priority
level when less than ``threshold`` (10%) of its SLA remains while it still
waits. Each later escalation comes when ``1 - threshold`` of whatever time
was left has passed again (at 90%, 99%, 99.9% of the SLA...), so a LOW task
that keeps waiting reaches CRITICAL before its deadline. A task is watched
from the moment it first waits in a queue (one started at once on an idle
worker needs no escalation unless preempted or interrupted later), so the
common case of a task served without waiting costs no timer. Once a task can rise
no further, one last timer at the deadline counts it as breached if it has not
finished by then. A breach is counted once per task whichever path sees it.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import simpy
from pydantic import Field

from .sections import Safeguard
from .tasks import DONE, QUEUED, Priority, Task

if TYPE_CHECKING:
    from .htm import TaskManager


class EscalationConfig(Safeguard):
    """Auto-escalation of tasks approaching their SLA (seed 003: when less than 10% remains)."""

    threshold: float = Field(default=0.1, gt=0, lt=1, description="fraction of the SLA left that triggers escalation")


class SlaEscalator:
    """Watches each task's deadline and escalates it through ``htm`` while it waits."""

    def __init__(self, htm: "TaskManager", config: EscalationConfig) -> None:
        self.env = htm.env
        self._htm = htm
        self._keep = 1.0 - config.threshold

    def watch(self, task: Task) -> None:
        """Watch ``task``, which has just started to wait; a task is watched once."""
        if not task.watched and math.isfinite(task.sla):
            task.watched = True
            due = task.enqueued_at + task.sla * self._keep - self.env.now
            if due > 0.0:
                self._after(due, task)
            else:
                self._due_now(task)

    def _after(self, delay: float, task: Task) -> None:
        timer = self.env.timeout(delay, task)
        timer.callbacks.append(self._due)

    def _due(self, timer: simpy.Event) -> None:
        self._due_now(timer.value)

    def _due_now(self, task: Task) -> None:
        if task.state == DONE:
            return
        now = self.env.now
        left = task.deadline - now
        if left <= 0.0:
            self._htm.breach(task)
            return
        if task.state == QUEUED and task.priority > Priority.CRITICAL:
            self._htm.escalate(task)
        if task.priority > Priority.CRITICAL:
            self._after(left * self._keep, task)
        else:
            self._after(left, task)
