"""Dispatch narratives: a 5W1H entry in the audit log for every dispatch.

Layer-2 hardening (design document 002) makes a narrative mandatory for every
dispatch; this safeguard writes it, so that a run can show what it costs.
"""
from __future__ import annotations

from chaosbench.orchestration.core.audit import Audit
from chaosbench.orchestration.core.sections import Safeguard
from chaosbench.orchestration.tasks.model import PRIORITY_LABELS, Task

#: Who writes the dispatch narratives, and how each one's ``what`` begins (the task's id follows).
NARRATOR = "htm"
DISPATCH = "dispatch task "


class NarrativesConfig(Safeguard):
    """A 5W1H narrative in the audit log for every dispatch (design document 002: mandatory for all dispatches)."""


class DispatchNarrator:
    """Writes who dispatched which task where, and why, to ``audit``."""

    def __init__(self, audit: Audit, workers: int) -> None:
        self._record = audit.record
        self._worker_names = [f"worker_{w}" for w in range(workers)]

    def add_worker(self) -> None:
        """Name one more worker."""
        self._worker_names.append(f"worker_{len(self._worker_names)}")

    def dispatched(self, task: Task, worker: int, waiting: int, now: float) -> None:
        """``task`` starts on ``worker`` at ``now`` with ``waiting`` tasks left in the queues."""
        self._record(
            who=NARRATOR,
            what=f"{DISPATCH}{task.task_id} ({task.kind})",
            where=self._worker_names[worker],
            why=f"next of the {PRIORITY_LABELS[task.priority]} queue; {waiting} waiting",
            how="highest priority first, FIFO within a priority",
            when=now,
        )
