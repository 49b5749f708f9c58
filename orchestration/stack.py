"""The assembled stack and its public control surface.

``Stack`` builds every component from one :class:`StackConfig` and exposes the
controls a client (or a chaos tool) may use. Nothing outside this package
reaches into a component's internals.
"""
from __future__ import annotations

from typing import Any

from .config import StackConfig
from .htm import TaskManager
from .runtime import Runtime
from .tasks import Priority, Task


class Stack:
    """One orchestration stack living in ``runtime``."""

    def __init__(self, runtime: Runtime, config: StackConfig | None = None) -> None:
        self.runtime = runtime
        self.config = config or StackConfig()
        self.htm = TaskManager(runtime, self.config.htm)
        self._next_task_id = 0

    def enqueue(
        self,
        kind: str,
        priority: Priority,
        work: float,
        sla: float,
        origin: str = "",
        payload: Any = None,
    ) -> Task:
        """Submit a task needing ``work`` seconds of service, due ``sla`` seconds from now."""
        task = Task(self._next_task_id, kind, priority, work, self.runtime.env.now, sla, origin, payload)
        self._next_task_id += 1
        self.htm.enqueue(task)
        return task

    @property
    def tasks_created(self) -> int:
        return self._next_task_id

    def close(self) -> None:
        """End of run: record whatever is unfinished."""
        self.htm.close()
