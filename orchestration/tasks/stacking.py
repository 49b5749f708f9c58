"""Context stacking: tasks of one origin batched onto one worker.

A worker that has just served a task from one origin looks for another task of
that origin among the first ``window`` tasks of the queue it is about to
serve, up to ``limit`` tasks per batch. It never takes a lower priority than
the one due. Each task records the batch it ran in.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence

from pydantic import Field

from chaosbench.orchestration.core.sections import Safeguard
from chaosbench.orchestration.tasks.model import Task


class StackingConfig(Safeguard):
    """Context stacking: tasks of one origin batched to one worker."""

    limit: int = Field(default=5, ge=1, le=10_000, description="tasks per batch")
    window: int = Field(default=32, ge=1, le=10_000, description="queued tasks looked at for one of the same origin")


class ContextStacker:
    """The batch each worker is in (its origin and length) and the choice of its next task."""

    def __init__(self, config: StackingConfig, workers: int, count: Callable[[str], None]) -> None:
        self._limit = config.limit
        self._window = config.window
        self._count = count
        self._origin = [""] * workers
        self._batch_len = [0] * workers
        self._batches = 0

    def add_worker(self) -> None:
        """Make room for one more worker, in no batch yet."""
        self._origin.append("")
        self._batch_len.append(0)

    def forget(self, worker: int) -> None:
        """``worker`` lost its task or came back: its batch is over."""
        self._origin[worker] = ""

    def started(self, worker: int, task: Task) -> None:
        """``task``, which has an origin, starts on ``worker``: extend its batch or begin a new one."""
        if task.origin == self._origin[worker] and self._batch_len[worker] < self._limit:
            self._batch_len[worker] += 1
        else:
            self._origin[worker] = task.origin
            self._batch_len[worker] = 1
            self._batches += 1
        if task.batch < 0:
            task.batch = self._batches

    def take_next(self, queues: Sequence[deque[Task]], worker: int) -> Task:
        """Remove and return the task ``worker`` serves next; some queue must hold one."""
        for queue in queues:
            if queue:
                origin = self._origin[worker]
                if origin and self._batch_len[worker] < self._limit:
                    for i, task in enumerate(queue):
                        if i >= self._window:
                            break
                        if task.origin == origin:
                            if i:
                                self._count("htm.stacked")
                            del queue[i]
                            return task
                return queue.popleft()
        raise RuntimeError("no task waits")
