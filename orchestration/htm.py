"""The hierarchical task manager (HTM): priority queues served by a worker pool.

Tasks wait in four FIFO queues, CRITICAL first. A free worker always takes
the head of the highest non-empty queue; a running task is never interrupted.
Service is driven by timeout callbacks rather than one process per task, which
keeps the per-task cost to two scheduled events. Each task's row in the
``tasks`` table records when and where it ran; that table is part of the run's
digest, so routine dispatches need no separate trace records.
"""
from __future__ import annotations

from collections import deque
from typing import Callable

import simpy

from .config import HTMConfig
from .runtime import Runtime
from .tasks import TASK_COLUMNS, Priority, Task

_LEVELS = tuple(Priority)


class TaskManager:
    """Four priority queues and ``config.workers`` identical workers."""

    def __init__(self, runtime: Runtime, config: HTMConfig) -> None:
        self.env = runtime.env
        self._rows = runtime.recorder.table("tasks", TASK_COLUMNS)
        self._queues: tuple[deque[Task], ...] = tuple(deque() for _ in _LEVELS)
        self._running: list[Task | None] = [None] * config.workers
        self._service: list[simpy.Event | None] = [None] * config.workers
        # Highest id last, so the lowest-numbered idle worker is taken first.
        self._idle: list[int] = list(range(config.workers - 1, -1, -1))
        self.arrived = 0
        self.completed = 0
        self.on_complete: list[Callable[[Task], None]] = []

    # -- public surface -------------------------------------------------

    def enqueue(self, task: Task) -> None:
        """Admit ``task``: start it on an idle worker or queue it behind its peers."""
        self.arrived += 1
        if self._idle:
            self._start(self._idle.pop(), task)
        else:
            self._queues[task.priority].append(task)

    def depths(self) -> list[int]:
        """Tasks waiting in each priority, CRITICAL first."""
        return [len(queue) for queue in self._queues]

    def depth(self, priority: Priority | None = None) -> int:
        """Tasks waiting, in one priority or in all."""
        if priority is None:
            return sum(len(q) for q in self._queues)
        return len(self._queues[priority])

    @property
    def workers(self) -> int:
        return len(self._running)

    @property
    def busy(self) -> int:
        return len(self._running) - len(self._idle)

    def close(self) -> None:
        """Record every task still queued or running as ``in_flight``."""
        for task in self._running:
            if task is not None:
                self._rows.append(*task.row("in_flight"))
        for queue in self._queues:
            for task in queue:
                self._rows.append(*task.row("in_flight"))
            queue.clear()

    # -- internals ------------------------------------------------------

    def _start(self, worker: int, task: Task) -> None:
        now = self.env.now
        if task.attempts == 0:
            task.started_at = now
        task.attempts += 1
        task.worker = worker
        self._running[worker] = task
        done = self.env.timeout(task.work, worker)
        done.callbacks.append(self._finish)
        self._service[worker] = done

    def _finish(self, done: simpy.Event) -> None:
        worker = done.value
        if self._service[worker] is not done:
            return  # the worker was taken away from this task meanwhile
        task = self._running[worker]
        now = self.env.now
        task.work = 0.0
        task.finished_at = now
        self.completed += 1
        self._rows.append(*task.row("completed"))
        for listener in self.on_complete:
            listener(task)
        self._running[worker] = None
        self._service[worker] = None
        for queue in self._queues:
            if queue:
                self._start(worker, queue.popleft())
                return
        self._idle.append(worker)
