"""The task manager's workers: per-worker state kept in parallel lists.

Each worker has a slot: the task it serves, the timeout that ends that
service, when the service began (later than now while a throttled task
waits out its delay), the pace of that service (how many seconds one second
of work takes under contention), the origin whose context it has loaded,
and whether the worker is alive. Idle live workers wait in a stack with the
highest id last, so the lowest-numbered idle worker is taken first. The lists grow as workers are added and never
shrink: a worker's id stays its index.
"""
from __future__ import annotations

from typing import Protocol

import simpy

from chaosbench.orchestration.tasks.model import Task


class Contention(Protocol):
    """What paces service: how many seconds one second of work takes now (1.0 without contention)."""

    slowdown: float


class WorkerSlots:
    """The per-worker lists, shared with the task manager that dispatches on them."""

    __slots__ = ("running", "service", "began", "pace", "context", "alive", "idle", "alive_count")

    def __init__(self, workers: int) -> None:
        self.running: list[Task | None] = [None] * workers
        self.service: list[simpy.Event | None] = [None] * workers
        self.began: list[float] = [0.0] * workers
        self.pace: list[float] = [1.0] * workers
        self.context: list[str] = [""] * workers
        self.alive: list[bool] = [True] * workers
        self.idle: list[int] = list(range(workers - 1, -1, -1))
        self.alive_count = workers

    @property
    def busy(self) -> int:
        """Live workers serving a task (a live worker is either idle or busy)."""
        return self.alive_count - len(self.idle)

    def executing(self, now: float) -> int:
        """Busy workers whose service has begun (not waiting out a throttle delay)."""
        # A plain loop: the health model asks on every reading, and a generator costs twice as much here.
        executing = 0
        for task, began in zip(self.running, self.began, strict=True):
            if task is not None and began <= now:
                executing += 1
        return executing

    def switch(self, worker: int, origin: str) -> bool:
        """Load the context of ``origin`` on ``worker``; whether it held another one (a new worker holds none)."""
        switched = self.context[worker] != origin
        self.context[worker] = origin
        return switched

    def alive_ids(self) -> list[int]:
        """Ids of the workers alive, in id order."""
        return [worker for worker, alive in enumerate(self.alive) if alive]

    def add(self) -> int:
        """A new idle worker; returns its id."""
        worker = len(self.alive)
        self.running.append(None)
        self.service.append(None)
        self.began.append(0.0)
        self.pace.append(1.0)
        self.context.append("")
        self.alive.append(True)
        self.alive_count += 1
        self.idle.append(worker)
        return worker

    def revive(self, worker: int) -> bool:
        """Bring a dead worker back, idle; whether it was dead."""
        if self.alive[worker]:
            return False
        self.alive[worker] = True
        self.alive_count += 1
        self.context[worker] = ""
        self.idle.append(worker)
        return True

    def remove(self, worker: int) -> bool:
        """Take ``worker`` away; whether it was serving a task (which the manager must take back)."""
        self.alive[worker] = False
        self.alive_count -= 1
        if self.running[worker] is None:
            self.idle.remove(worker)
            return False
        return True

    def vacate(self, worker: int, now: float) -> Task:
        """Take ``worker``'s task away from it, with the work it still owes."""
        task = self.running[worker]
        assert task is not None, "only a busy worker is vacated"
        served = now - self.began[worker]
        if served > 0.0:
            task.work = max(0.0, task.work - served / self.pace[worker])
        self.running[worker] = None
        self.service[worker] = None
        return task
