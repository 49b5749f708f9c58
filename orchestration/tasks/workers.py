"""The worker pool's life: kills, restarts, added workers and relief agents.

The task manager serves tasks with whatever workers are alive; this module
decides which workers die and come back:

* ``kill(k)`` takes ``k`` live workers chosen from the named stream
  ``htm.workers.kill``. With worker reassignment on, each in-flight task goes
  back to the head of its queue with the work it still owes (its attempts
  counter already counts the interrupted start); a task interrupted
  ``max_attempts`` times is dead-lettered instead. With it off, the task is
  lost to the run and ends as ``failed``. Either way every task keeps its one
  row. A killed worker comes back after ``restart_delay`` seconds.
* Relief agents are extra workers spawned while stress is high or worse, at
  most ``max_agents`` of them, at most one per ``cooldown``; an idle relief
  agent retires once stress is back to low.
"""
from __future__ import annotations

from pydantic import Field

from chaosbench.orchestration.core.sections import Safeguard, Section, active
from chaosbench.orchestration.core.wiring import Wiring
from chaosbench.orchestration.tasks.health import STRESS_LEVELS
from chaosbench.orchestration.tasks.manager import TaskManager


class ReassignmentConfig(Safeguard):
    """Returning a killed worker's in-flight task to the queue."""


class ReliefConfig(Safeguard):
    """Relief agents under stress (design document 003: spawned at high stress)."""

    max_agents: int = Field(default=2, ge=0, le=10_000, description="relief agents alive at once, at most")
    level: str = Field(
        default="high", pattern="^(medium|high|critical)$", description="stress level that calls for relief"
    )
    cooldown: float = Field(default=10.0, ge=0, description="seconds between two spawns")


class PoolConfig(Section):
    """Worker supervision."""

    restart_delay: float | None = Field(
        default=30.0, ge=0, description="seconds before a killed worker restarts; null: never"
    )
    reassignment: ReassignmentConfig = ReassignmentConfig()
    relief: ReliefConfig = ReliefConfig()


class WorkerPool:
    """Kills, restarts and relief agents for the workers of ``htm``."""

    def __init__(self, wiring: Wiring, config: PoolConfig, htm: TaskManager, *, safeguards: bool = True) -> None:
        self.env = wiring.env
        self.config = config
        self._htm = htm
        self._audit = wiring.audit
        self._rng = wiring.rng("htm.workers.kill")
        self._emit = wiring.trace.emit
        self._count = wiring.recorder.count
        self.reassignment = active(config.reassignment, safeguards)
        self.relief_on = active(config.relief, safeguards)
        self._relief_level = STRESS_LEVELS.index(config.relief.level)
        self.relief: list[int] = []
        self._down: list[int] = []
        self._last_spawn = float("-inf")
        self.killed = 0
        self.restarted = 0

    def kill(self, k: int) -> list[int]:
        """Kill ``k`` live workers (fewer if fewer live); returns their ids."""
        alive = self._htm.alive_workers()
        victims = sorted(self._rng.sample(alive, max(0, min(k, len(alive)))))
        for worker in victims:
            self._kill(worker)
        return victims

    def add(self, n: int = 1) -> list[int]:
        """Add ``n`` workers for good."""
        return [self._htm.add_worker() for _ in range(n)]

    def restart_all(self) -> list[int]:
        """Restart every killed worker now rather than after its delay."""
        restarted = list(self._down)
        for worker in restarted:
            self._revive(worker)
        return restarted

    def spawn_relief(self) -> bool:
        """Spawn one relief agent now if the cap allows; whether one was spawned."""
        if len(self.relief) >= self.config.relief.max_agents:
            return False
        now = self.env.now
        self._last_spawn = now
        worker = self._htm.add_worker()
        self.relief.append(worker)
        self._count("safeguard.relief_agent")
        self._emit(now, "relief_spawn", worker)
        return True

    def on_stress(self, level: int) -> None:
        """Health listener: spawn relief agents under stress, retire them when calm."""
        now = self.env.now
        if level >= self._relief_level:
            if self.relief_on and now - self._last_spawn >= self.config.relief.cooldown:
                self.spawn_relief()
        elif level == 0:
            for worker in self.relief:
                if self._htm.running(worker) is None:
                    self.relief.remove(worker)
                    self._htm.remove_worker(worker)
                    self._emit(now, "relief_retire", worker)
                    break

    def _kill(self, worker: int) -> None:
        htm = self._htm
        now = self.env.now
        self.killed += 1
        if worker in self.relief:
            self.relief.remove(worker)
        task = htm.remove_worker(worker)
        self._emit(now, "kill", worker, -1 if task is None else task.task_id)
        if task is not None:
            if not self.reassignment:
                htm.end(task, "failed")
            elif task.attempts >= htm.config.max_attempts:
                htm.end(task, "dead_lettered")
            else:
                htm.requeue(task)
                self._count("safeguard.worker_reassignment")
                self._audit.record(
                    who="htm.worker_pool",
                    what=f"reroute task {task.task_id} ({task.kind})",
                    where=f"worker_{worker} -> queue.{task.priority.label}",
                    why=f"worker_{worker} was killed with {task.work:.3f}s of work owed",
                    how="back to the head of its queue, attempts kept",
                )
        self._down.append(worker)
        delay = self.config.restart_delay
        if delay is not None:
            timer = self.env.timeout(delay, worker)
            timer.callbacks.append(lambda timer: self._revive(timer.value))

    def _revive(self, worker: int) -> None:
        if worker in self._down:  # not restarted early meanwhile
            self._down.remove(worker)
            self.restarted += 1
            self._htm.revive(worker)
