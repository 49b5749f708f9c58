"""SLA deadlines: auto-escalation of waiting tasks and breach tracking.

A task due ``sla`` seconds after it was enqueued is escalated one priority
level when less than ``threshold`` (10%) of its SLA remains while it still
waits. Each later escalation comes when ``1 - threshold`` of whatever time
was left has passed again (at 90%, 99%, 99.9% of the SLA...), so a LOW task
that keeps waiting reaches CRITICAL before its deadline. Once a task can rise
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
        """Start watching ``task`` (called once, when it is admitted)."""
        if math.isfinite(task.sla):
            self._after(task.sla * self._keep, task)

    def _after(self, delay: float, task: Task) -> None:
        timer = self.env.timeout(delay, task)
        timer.callbacks.append(self._due)

    def _due(self, timer: simpy.Event) -> None:
        task: Task = timer.value
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
