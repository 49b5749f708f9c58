"""Load shedding: past a critical queue depth, drop the least important waiting work.

Shedding takes the oldest task of the lowest non-empty priority below
CRITICAL; a CRITICAL task is never shed. Every shed task ends as ``shed`` with
a 5W1H narrative in the audit log, so an operator can see what was given up
and why.
"""
from __future__ import annotations

from typing import Protocol

from pydantic import Field

from chaosbench.orchestration.core.audit import Audit
from chaosbench.orchestration.core.sections import Safeguard
from chaosbench.orchestration.tasks.model import PRIORITY_LABELS, Priority, Task


class ShedQueues(Protocol):
    """What the shedder reads and changes in the task manager."""

    def depth(self, priority: Priority | None = None) -> int:
        """Tasks waiting, in one priority or in all."""

    def take_oldest(self, priority: Priority) -> Task:
        """Remove and return the task at the head of one queue."""

    def end(self, task: Task, outcome: str, safeguard: str = "") -> None:
        """Record ``task``'s one row."""


class SheddingConfig(Safeguard):
    """Load shedder (design document 002: the HTM's critical queue depth is 5000)."""

    critical_depth: int = Field(default=5000, ge=1, description="tasks waiting beyond which the shedder drops work")


class LoadShedder:
    """Keeps the waiting work of ``htm`` at or below ``critical_depth``."""

    def __init__(self, htm: ShedQueues, config: SheddingConfig, audit: Audit) -> None:
        self._htm = htm
        self.limit = config.critical_depth
        self._audit = audit
        self.shed = 0

    def relieve(self) -> None:
        """Shed until the depth is back at the limit or only CRITICAL work waits."""
        htm = self._htm
        while htm.depth() > self.limit:
            for level in (Priority.LOW, Priority.NORMAL, Priority.HIGH):
                if htm.depth(level):
                    break
            else:
                return
            task = htm.take_oldest(level)
            self.shed += 1
            htm.end(task, "shed", "load_shedder")
            depth = htm.depth()
            self._audit.record(
                who="htm.load_shedder",
                what=f"shed task {task.task_id} ({task.kind})",
                where=f"queue.{PRIORITY_LABELS[level]}",
                why=f"queue depth {depth + 1} exceeded the critical depth {self.limit}",
                how="lowest priority, oldest first; CRITICAL never shed",
            )
