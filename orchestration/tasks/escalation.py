"""SLA deadlines: auto-escalation of waiting tasks and breach tracking.

A task due ``sla`` seconds after it was enqueued is escalated one priority
level when less than ``threshold`` (10%) of its SLA remains while it still
waits. Each later escalation comes when ``1 - threshold`` of whatever time
was left has passed again (at 90%, 99%, 99.9% of the SLA...), so a LOW task
that keeps waiting reaches CRITICAL before its deadline. The learning kernel
may :meth:`~SlaEscalator.adapt` the threshold when the stack's SLA compliance
warns, so that waiting tasks are escalated sooner. Once a task can rise
no further, a last check at the deadline counts it as breached if it is still
waiting then; a task that finishes late is counted when it finishes. A
breach is counted once per task whichever path sees it.

Only waiting tasks need watching, and most tasks start long before their
SLA runs short. So the escalator keeps one heap of ``(due, task_id, task)``
and a single timer for the earliest due of a task still waiting: entries of
tasks that have started are dropped when they reach the top, without a timer
of their own. A task that waits again (preempted, or its worker killed) is
watched again. Most tasks finish long before their entry would reach the
top, so whenever the heap has doubled since it was last swept, the entries
of finished tasks are swept out (they would only ever be dropped): the heap
stays the size of what may still wait, not of the last SLA's worth of
arrivals.
"""
from __future__ import annotations

import heapq
import math
from typing import Protocol

import simpy
from pydantic import Field

from chaosbench.orchestration.core.sections import Safeguard
from chaosbench.orchestration.tasks.model import DONE, QUEUED, Priority, Task

#: Entries the heap holds before its first sweep.
_SWEEP_FLOOR = 4096


class EscalatedQueues(Protocol):
    """What the escalator changes in the task manager."""

    env: simpy.Environment

    def breach(self, task: Task) -> None:
        """Count ``task`` as having missed its SLA."""

    def escalate(self, task: Task) -> None:
        """Raise a waiting ``task`` one priority level."""


class EscalationConfig(Safeguard):
    """Auto-escalation of tasks approaching their SLA (design document 003: when less than 10% remains)."""

    threshold: float = Field(default=0.1, gt=0, lt=1, description="fraction of the SLA left that triggers escalation")
    adapted_max: float = Field(default=0.5, gt=0, lt=1, description="the largest fraction the learning kernel's "
                               "threshold adaptations may raise the threshold to")


class SlaEscalator:
    """Watches the deadlines of waiting tasks and escalates them through ``htm``."""

    def __init__(self, htm: EscalatedQueues, config: EscalationConfig) -> None:
        self.env = htm.env
        self._htm = htm
        self._keep = 1.0 - config.threshold
        self._adapted_max = max(config.adapted_max, config.threshold)
        self._heap: list[tuple[float, int, Task]] = []
        self._sweep_at = _SWEEP_FLOOR
        self._armed = math.inf

    @property
    def threshold(self) -> float:
        """The fraction of the SLA left at which a waiting task is escalated now."""
        return 1.0 - self._keep

    def adapt(self) -> float:
        """Escalate sooner from now on: double the threshold, up to ``adapted_max``; returns the new threshold.

        Tasks already waiting keep the moment they were due to be escalated at.
        """
        self._keep = 1.0 - min(self._adapted_max, 2.0 * self.threshold)
        return self.threshold

    def watch(self, task: Task) -> None:
        """Watch ``task``, which has just started to wait (again)."""
        if not task.watched and math.isfinite(task.sla):
            task.watched = True
            self._push(task.enqueued_at + task.sla * self._keep, task)

    def _push(self, due: float, task: Task) -> None:
        heap = self._heap
        if len(heap) >= self._sweep_at:
            self._sweep()
        heapq.heappush(heap, (due, task.task_id, task))
        if due < self._armed:
            self._arm(due)

    def _arm(self, due: float) -> None:
        self._armed = due
        timer = self.env.timeout(max(0.0, due - self.env.now), due)
        timer.callbacks.append(self._wake)

    def _sweep(self) -> None:
        """Drop the entries of finished tasks, in place (``_wake`` may hold the heap while it pushes)."""
        heap = self._heap
        heap[:] = [entry for entry in heap if entry[2].state != DONE]
        heapq.heapify(heap)
        self._sweep_at = max(_SWEEP_FLOOR, 2 * len(heap))

    def _wake(self, timer: simpy.Event) -> None:
        if timer.value != self._armed:
            return  # superseded by an earlier due
        self._armed = math.inf
        heap = self._heap
        now = self.env.now
        while heap and heap[0][0] <= now:
            _, _, task = heapq.heappop(heap)
            task.watched = False
            if task.state == QUEUED:
                self._due(task)
        while heap and heap[0][2].state != QUEUED:
            heapq.heappop(heap)[2].watched = False
        if heap and heap[0][0] < self._armed:
            self._arm(heap[0][0])

    def _due(self, task: Task) -> None:
        left = task.deadline - self.env.now
        if left <= 0.0:
            self._htm.breach(task)
            return
        if task.priority > Priority.CRITICAL:
            self._htm.escalate(task)
        if task.state != QUEUED:
            return  # the escalation let it preempt a worker
        task.watched = True
        self._push(self.env.now + left * self._keep if task.priority > Priority.CRITICAL else task.deadline, task)
