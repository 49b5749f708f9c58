"""The hierarchical task manager (HTM): priority queues served by a worker pool.

Tasks wait in four FIFO queues, CRITICAL first, and a free worker takes the
head of the highest non-empty queue. Service is driven by timeout callbacks
rather than one process per task, which keeps the per-task cost to two
scheduled events. Each task's row in the ``tasks`` table records when and
where it ran; that table is part of the run's digest, so routine dispatches
need no trace records, only the decisions of the safeguards do. With every
safeguard off that is all the HTM does: a non-preemptive priority queue with
c workers.

The safeguards, each behind its own switch:

* SLA escalation (:mod:`.escalation`) raises a waiting task's priority as its
  deadline nears; a task that finishes late or is still unfinished at its
  deadline is counted as breached, once.
* Preemption: a CRITICAL task that finds every worker busy takes the worker of
  a NORMAL or LOW task (the lowest priority, the most recently started). The
  preempted task keeps the work it has done and returns to the head of its
  queue.
* Load shedding (:mod:`.shedding`) past a critical depth.
* Context stacking: a worker that has just served a task from one origin looks
  for another task of that origin among the first ``window`` tasks of the
  queue it is about to serve, up to ``limit`` tasks per batch. It never takes
  a lower priority than the one due.
* Throttling: while the health model reports stress at or above ``level``, a
  NORMAL or LOW task waits ``delay`` seconds on its worker before its service
  begins (seed 003 sleeps two seconds). Meanwhile a HIGH or CRITICAL task that
  finds no idle worker takes that worker, and the throttled task goes back to
  the head of its queue: critical work continues, normal work is delayed.
* Dispatch narratives: a 5W1H entry in the audit log for every dispatch.

Invalid tasks are rejected at the door, and a task that needs an approval goes
through the approval gate (:mod:`.approval`) before it may be queued.
Whatever happens, every task ends in exactly one row of the ``tasks`` table
(:meth:`TaskManager.end`); tasks still waiting or running when the run stops
end as ``in_flight`` at :meth:`TaskManager.close`.
"""
from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import Any

import simpy
from pydantic import Field

from chaosbench.orchestration.core.sections import Safeguard, Section, active
from chaosbench.orchestration.tasks.admission import invalid_reason
from chaosbench.orchestration.tasks.escalation import EscalationConfig, SlaEscalator
from chaosbench.orchestration.tasks.health import STRESS_LEVELS
from chaosbench.orchestration.tasks.model import DONE, PRIORITY_LABELS, QUEUED, RUNNING, TASK_COLUMNS, Priority, Task
from chaosbench.orchestration.tasks.shedding import LoadShedder, SheddingConfig

_LEVELS = tuple(Priority)
_NORMAL = int(Priority.NORMAL)



class PreemptionConfig(Safeguard):
    """Preemption of NORMAL and LOW tasks by CRITICAL ones (preempt-resume)."""


class StackingConfig(Safeguard):
    """Context stacking: tasks of one origin batched to one worker."""

    limit: int = Field(default=5, ge=1, description="tasks per batch")
    window: int = Field(default=32, ge=1, description="queued tasks looked at for one of the same origin")


class ThrottleConfig(Safeguard):
    """Health-based throttling of NORMAL and LOW dispatch (seed 003: a two-second pause)."""

    delay: float = Field(default=2.0, ge=0, description="seconds a throttled task waits on its worker")
    level: str = Field(default="high", pattern="^(medium|high|critical)$", description="stress level from which to throttle")


class NarrativesConfig(Safeguard):
    """A 5W1H narrative in the audit log for every dispatch (seed 002: mandatory for all dispatches)."""


class HTMConfig(Section):
    """The hierarchical task manager."""

    workers: int = Field(default=4, ge=1, le=10_000, description="worker pool size")
    max_attempts: int = Field(default=5, ge=1, description="starts before an interrupted task is dead-lettered")
    sla: tuple[float, float, float, float] = Field(
        default=(300.0, 1800.0, 14400.0, 86400.0),
        description="default SLA in seconds for critical, high, normal, low (seed 003: 5 min, 30 min, 4 h, 24 h)",
    )
    escalation: EscalationConfig = EscalationConfig()
    preemption: PreemptionConfig = PreemptionConfig()
    shedding: SheddingConfig = SheddingConfig()
    stacking: StackingConfig = StackingConfig()
    throttle: ThrottleConfig = ThrottleConfig()
    narratives: NarrativesConfig = NarrativesConfig()


class TaskManager:
    """Four priority queues and a pool of workers, with optional safeguards.

    ``safeguards`` is the stack's master switch: it decides every safeguard
    section left unset. ``health`` (anything with a ``level`` index into
    ``STRESS_LEVELS``, wired with :meth:`attach_health`) and ``approval`` (the
    gate) are wired by the stack after construction.
    """

    def __init__(self, runtime: Any, config: HTMConfig, *, safeguards: bool = True, audit: Any = None) -> None:
        self.env = runtime.env
        self.config = config
        self._emit = runtime.trace.emit
        self._count = runtime.recorder.count
        self._rows = runtime.recorder.table("tasks", TASK_COLUMNS)
        self._queues: tuple[deque[Task], ...] = tuple(deque() for _ in _LEVELS)
        self._depth = 0
        n = config.workers
        self._running: list[Task | None] = [None] * n
        self._service: list[simpy.Event | None] = [None] * n
        self._began: list[float] = [0.0] * n
        self._alive: list[bool] = [True] * n
        self._origin: list[str] = [""] * n
        self._batch_len: list[int] = [0] * n
        # Highest id last, so the lowest-numbered idle worker is taken first.
        self._idle: list[int] = list(range(n - 1, -1, -1))
        self._alive_count = n
        self._worker_names = [f"worker_{w}" for w in range(n)]
        self._batches = 0
        self._kinds: set[str] = set()  # kinds already found well-formed
        self._on_finish = self._finish  # bound once: one callback per service
        self.paused = False
        self.paused_at = math.nan
        self.arrived = 0
        self.dispatched = 0
        self.completed = 0
        self.breaches = 0
        self.throttled = 0
        self.on_complete: list[Callable[[Task], None]] = []
        self._narrate = audit.record if audit is not None and active(config.narratives, safeguards) else None
        self.approval: Any = None
        self.preemption = active(config.preemption, safeguards)
        self.stacking = active(config.stacking, safeguards)
        self._stack_limit = config.stacking.limit
        self._stack_window = config.stacking.window
        # Throttling reads the health model's level, so it starts once one is wired in.
        self.health: Any = None
        self.throttling = False
        self._throttle_wanted = active(config.throttle, safeguards)
        self._throttle_delay = config.throttle.delay
        self._throttle_level = STRESS_LEVELS.index(config.throttle.level)
        self.escalator = SlaEscalator(self, config.escalation) if active(config.escalation, safeguards) else None
        self.shedder = LoadShedder(self, config.shedding, audit) if active(config.shedding, safeguards) else None

    def attach_health(self, health: Any) -> None:
        """Wire the health model whose stress ``level`` throttling reads."""
        self.health = health
        self.throttling = self._throttle_wanted

    # -- admission ------------------------------------------------------

    def submit(self, task: Task) -> bool:
        """Admit ``task`` at the door: reject it, send it for approval, or queue it."""
        context = task.context
        # The common case (a known kind, no context) needs no full check.
        kind = task.kind
        common = context is None and type(kind) is str and kind in self._kinds
        if not (common and 0.0 <= task.work < math.inf and task.sla > 0.0):
            reason = invalid_reason(task, self._kinds)
            if reason:
                self._emit(self.env.now, "reject", task.task_id, reason)
                self.end(task, "rejected")
                return False
        if context is not None and context.requires_approval:
            if self.approval is not None:
                self.approval.submit(task)
                return True
            task.approval = "unchecked"
        self.enqueue(task)
        return True

    def enqueue(self, task: Task) -> None:
        """Queue an admitted ``task``, or start it at once on an idle worker."""
        self.arrived += 1
        task.state = QUEUED
        if self._idle and not self.paused:
            self._start(self._idle.pop(), task)
        elif self.paused or not self._take_worker_for(task):
            self._queues[task.priority].append(task)
            self._depth += 1
            if self.escalator is not None:
                self.escalator.watch(task)
            if self.shedder is not None and self._depth > self.shedder.limit:
                self.shedder.relieve()

    # -- queries --------------------------------------------------------

    def depths(self) -> list[int]:
        """Tasks waiting in each priority, CRITICAL first."""
        return [len(queue) for queue in self._queues]

    def depth(self, priority: Priority | None = None) -> int:
        """Tasks waiting, in one priority or in all."""
        if priority is None:
            return self._depth
        return len(self._queues[priority])

    @property
    def workers(self) -> int:
        """Workers alive (dead ones wait for their restart)."""
        return self._alive_count

    @property
    def busy(self) -> int:
        """Workers serving a task (a live worker is either idle or busy)."""
        return self._alive_count - len(self._idle)

    def alive_workers(self) -> list[int]:
        """Ids of the workers alive, in id order."""
        return [w for w, alive in enumerate(self._alive) if alive]

    def running(self, worker: int) -> Task | None:
        return self._running[worker]

    # -- changes the safeguards and the controls make -------------------

    def end(self, task: Task, outcome: str, safeguard: str = "") -> None:
        """Record ``task``'s one and only row, ending in ``outcome``."""
        task.state = DONE
        if outcome != "in_flight":
            if task.finished_at != task.finished_at:  # NaN: ended without finishing its work
                task.finished_at = float(self.env.now)
            if task.finished_at > task.deadline:
                self.breach(task)
        self._rows.append(*task.row(outcome))
        if safeguard:
            self._count(f"safeguard.{safeguard}")
            self._emit(self.env.now, safeguard, task.task_id, outcome)

    def breach(self, task: Task) -> None:
        """Count ``task`` as having missed its SLA, once."""
        if not task.breached:
            task.breached = True
            self.breaches += 1
            self._count("htm.sla_breach")
            self._emit(self.env.now, "breach", task.task_id)

    def escalate(self, task: Task) -> None:
        """Raise a waiting task one priority level."""
        queue = self._queues[task.priority]
        queue.remove(task)
        task.priority = Priority(task.priority - 1)
        task.escalated += 1
        self._count("safeguard.sla_escalation")
        self._emit(self.env.now, "escalate", task.task_id, int(task.priority))
        if task.priority == Priority.CRITICAL and self.preemption and not self.paused and self._preempt_for(task):
            self._depth -= 1
            return
        self._queues[task.priority].append(task)

    def take_oldest(self, priority: Priority) -> Task:
        """Remove and return the task at the head of one queue."""
        self._depth -= 1
        return self._queues[priority].popleft()

    def requeue(self, task: Task) -> None:
        """Put an interrupted task back at the head of its queue (or on an idle worker)."""
        task.state = QUEUED
        if self._idle and not self.paused:
            self._start(self._idle.pop(), task)
        else:
            self._queues[task.priority].appendleft(task)
            self._depth += 1
            if self.escalator is not None:
                self.escalator.watch(task)

    def pause(self) -> None:
        """Stop dispatching; running tasks finish, waiting ones stay queued."""
        if not self.paused:
            self.paused = True
            self.paused_at = self.env.now
            self._emit(self.env.now, "pause")

    def resume(self) -> None:
        """Dispatch again, filling every idle worker."""
        if self.paused:
            self.paused = False
            self.paused_at = math.nan
            self._emit(self.env.now, "resume")
            self._fill()

    def add_worker(self) -> int:
        """A new worker, put to work at once if anything waits; returns its id."""
        worker = len(self._alive)
        self._running.append(None)
        self._service.append(None)
        self._began.append(0.0)
        self._alive.append(True)
        self._alive_count += 1
        self._worker_names.append(f"worker_{worker}")
        self._origin.append("")
        self._batch_len.append(0)
        self._idle.append(worker)
        self._emit(self.env.now, "worker_up", worker)
        self._fill()
        return worker

    def revive(self, worker: int) -> None:
        """Bring a removed worker back."""
        if not self._alive[worker]:
            self._alive[worker] = True
            self._alive_count += 1
            self._origin[worker] = ""
            self._idle.append(worker)
            self._emit(self.env.now, "worker_up", worker)
            self._fill()

    def remove_worker(self, worker: int) -> Task | None:
        """Take ``worker`` away; returns its in-flight task with the work still owed."""
        if not self._alive[worker]:
            return None
        self._alive[worker] = False
        self._alive_count -= 1
        self._emit(self.env.now, "worker_down", worker)
        if self._running[worker] is None:
            self._idle.remove(worker)
            return None
        return self._interrupt(worker)

    def close(self) -> None:
        """Record every task still queued or running as ``in_flight``."""
        for worker, task in enumerate(self._running):
            if task is not None:
                self._running[worker] = None
                self._service[worker] = None
                self.end(task, "in_flight")
        for queue in self._queues:
            for task in queue:
                self.end(task, "in_flight")
            queue.clear()
        self._depth = 0

    # -- internals ------------------------------------------------------

    def _start(self, worker: int, task: Task) -> None:
        now = float(self.env.now)
        task.state = RUNNING
        if task.attempts == 0:
            task.started_at = now
        task.attempts += 1
        task.worker = worker
        self.dispatched += 1
        self._running[worker] = task
        if self.stacking and task.origin:
            if task.origin == self._origin[worker] and self._batch_len[worker] < self._stack_limit:
                self._batch_len[worker] += 1
            else:
                self._origin[worker] = task.origin
                self._batch_len[worker] = 1
                self._batches += 1
            if task.batch < 0:
                task.batch = self._batches
        delay = 0.0
        if self.throttling and task.priority >= _NORMAL and self.health.level >= self._throttle_level:
            delay = self._throttle_delay
            self.throttled += 1
            self._count("safeguard.throttle")
            self._emit(now, "throttle", task.task_id, delay)
        self._began[worker] = now + delay
        done = self.env.timeout(task.work + delay, worker)
        done.callbacks.append(self._on_finish)
        self._service[worker] = done
        if self._narrate is not None:
            self._narrate(
                who="htm",
                what=f"dispatch task {task.task_id} ({task.kind})",
                where=self._worker_names[worker],
                why=f"next of the {PRIORITY_LABELS[task.priority]} queue; {self._depth} waiting",
                how="highest priority first, FIFO within a priority",
            )

    def _finish(self, done: simpy.Event) -> None:
        worker = done.value
        if self._service[worker] is not done:
            return  # the worker was taken away from this task meanwhile
        task = self._running[worker]
        now = float(self.env.now)
        task.work = 0.0
        task.finished_at = now
        task.state = DONE
        self.completed += 1
        if now > task.deadline:
            self.breach(task)
        self._rows.append(*task.row("completed"))
        for listener in self.on_complete:
            listener(task)
        self._running[worker] = None
        self._service[worker] = None
        if not self._depth or self.paused:
            self._idle.append(worker)
        elif self.stacking:
            self._start(worker, self._next(worker))
        else:
            for queue in self._queues:
                if queue:
                    self._depth -= 1
                    self._start(worker, queue.popleft())
                    return

    def _next(self, worker: int) -> Task:
        """The task ``worker`` serves next; only called while tasks wait and the dispatcher runs."""
        for queue in self._queues:
            if queue:
                self._depth -= 1
                origin = self._origin[worker]
                if self.stacking and origin and self._batch_len[worker] < self._stack_limit:
                    for i, task in enumerate(queue):
                        if i >= self._stack_window:
                            break
                        if task.origin == origin:
                            if i:
                                self._count("htm.stacked")
                            del queue[i]
                            return task
                return queue.popleft()
        raise RuntimeError("no task waits")

    def _fill(self) -> None:
        while self._idle and not self.paused and self._depth:
            worker = self._idle.pop()
            self._start(worker, self._next(worker))

    def _interrupt(self, worker: int) -> Task:
        task = self._running[worker]
        served = self.env.now - self._began[worker]
        if served > 0.0:
            task.work = max(0.0, task.work - served)
        self._running[worker] = None
        self._service[worker] = None
        self._origin[worker] = ""
        task.state = QUEUED
        return task

    def _take_worker_for(self, task: Task) -> bool:
        """Start an urgent ``task`` that found no idle worker: on a worker a throttled task still holds, or by preemption."""
        if task.priority < _NORMAL and self.throttling and self._unthrottle_for(task):
            return True
        return task.priority == Priority.CRITICAL and self.preemption and self._preempt_for(task)

    def _unthrottle_for(self, task: Task) -> bool:
        # A task in its throttle delay has not begun: it gives its worker up
        # and waits at the head of its queue, as if never started.
        now = self.env.now
        for worker, running in enumerate(self._running):
            if running is not None and self._began[worker] > now:
                running.attempts -= 1
                self._count("htm.throttle_yields")
                self._emit(now, "throttle_yield", running.task_id, task.task_id, worker)
                self._hand_over(worker, task)
                return True
        return False

    def _hand_over(self, worker: int, task: Task) -> None:
        """Start ``task`` on ``worker``, whose current task goes back to the head of its queue."""
        held = self._interrupt(worker)
        self._queues[held.priority].appendleft(held)
        self._depth += 1
        if self.escalator is not None:
            self.escalator.watch(held)
        self._start(worker, task)

    def _preempt_for(self, task: Task) -> bool:
        victim = -1
        for worker, running in enumerate(self._running):
            if running is not None and running.priority >= Priority.NORMAL:
                if victim < 0 or (running.priority, self._began[worker]) > (
                    self._running[victim].priority,
                    self._began[victim],
                ):
                    victim = worker
        if victim < 0:
            return False
        self._count("safeguard.preemption")
        self._emit(self.env.now, "preempt", self._running[victim].task_id, task.task_id, victim)
        self._hand_over(victim, task)
        return True
