"""The hierarchical task manager (HTM): priority queues served by a worker pool.

Tasks wait in four FIFO queues, CRITICAL first; a free worker takes the head
of the highest non-empty queue. Service is driven by timeout callbacks. Each
task's row in the ``tasks`` table (part of the digest) records when and where
it ran, so only the safeguards' decisions leave trace records. With every
safeguard off the HTM is a non-preemptive priority queue with c workers.
The safeguards have a module each; invalid tasks are rejected at the door
(:mod:`.admission`) and tasks that need an approval wait at the gate first.
A manager built closed (``open=False``) queues work without serving it until
:meth:`~TaskManager.open` (boot is ready); after :meth:`~TaskManager.refuse`
it refuses all work (boot failed). Every task ends in exactly one row
(:meth:`~TaskManager.end`); unfinished ones end as ``in_flight`` at the close.
"""
from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

import simpy
from simpy.events import NORMAL

from chaosbench.orchestration.core.sections import active
from chaosbench.orchestration.core.wiring import Wiring
from chaosbench.orchestration.tasks.admission import AdmissionCheck, ApprovalDesk
from chaosbench.orchestration.tasks.escalation import SlaEscalator
from chaosbench.orchestration.tasks.manager_config import HTMConfig
from chaosbench.orchestration.tasks.model import DONE, QUEUED, RUNNING, TASK_COLUMNS, Priority, Task
from chaosbench.orchestration.tasks.narratives import DispatchNarrator
from chaosbench.orchestration.tasks.preemption import Preemptor
from chaosbench.orchestration.tasks.shedding import LoadShedder
from chaosbench.orchestration.tasks.slots import Contention, WorkerSlots
from chaosbench.orchestration.tasks.stacking import ContextStacker
from chaosbench.orchestration.tasks.throttling import StressGauge, Throttle

_NORMAL = int(Priority.NORMAL)


class TaskManager:
    """Four priority queues and a pool of workers, with optional safeguards.

    ``safeguards`` is the stack's master switch: it decides every safeguard
    section left unset. The health model (whose stress ``level`` throttling
    reads, wired with :meth:`attach_health`) and ``approval`` (the gate) are
    wired by the stack after construction.
    """

    def __init__(self, wiring: Wiring, config: HTMConfig, *, safeguards: bool = True, open: bool = True) -> None:
        self.env = wiring.env
        self.config = config
        self._wiring = wiring
        self._emit = wiring.trace.emit
        self._count = wiring.recorder.count
        self._add_row = wiring.recorder.table("tasks", TASK_COLUMNS).add
        self._queues: tuple[deque[Task], ...] = tuple(deque() for _ in Priority)
        self._depth = 0
        n = config.workers
        slots = self._slots = WorkerSlots(n)
        # The slots' lists, bound once: dispatch reads them on every task.
        self._running, self._service, self._began, self._idle = slots.running, slots.service, slots.began, slots.idle
        self._pace = slots.pace
        self._contention: Contention | None = None
        self._admission = AdmissionCheck()
        self._on_finish = self._finish  # bound once: one callback per service
        self._timeout = self.env.timeout
        self._schedule = self.env.schedule
        self.paused = False
        self.paused_at = math.nan
        self.serving = open
        self.refusing = ""
        # Whether dispatch is held: paused by a control, or not serving yet.
        self._held = not open
        self.arrived = 0
        self.dispatched = 0
        self.completed = 0
        self.breaches = 0
        self.on_complete: list[Callable[[Task], None]] = []
        self.on_breach: list[Callable[[Task], None]] = []
        self.approval: ApprovalDesk | None = None
        self._preemptor = Preemptor(wiring.recorder, wiring.trace) if active(config.preemption, safeguards) else None
        self._stacker = ContextStacker(config.stacking, n, self._count) if active(config.stacking, safeguards) else None
        self._narrator = DispatchNarrator(wiring.audit, n) if active(config.narratives, safeguards) else None
        # Throttling reads the health model's level, so it starts once one is wired in.
        self._throttle: Throttle | None = None
        self._throttle_wanted = active(config.throttle, safeguards)
        self.escalator = SlaEscalator(self, config.escalation) if active(config.escalation, safeguards) else None
        self.shedder = LoadShedder(self, config.shedding, wiring.audit) if active(config.shedding, safeguards) else None

    def attach_health(self, health: StressGauge, contention: Contention | None = None) -> None:
        """Wire the health model whose stress ``level`` throttling reads, and the contention that paces service."""
        self._contention = contention
        if self._throttle_wanted:
            self._throttle = Throttle(self.config.throttle, health, self._wiring.recorder, self._wiring.trace)

    @property
    def throttling(self) -> bool:
        """Whether throttling is on (it needs a health model)."""
        return self._throttle is not None

    @property
    def throttled(self) -> int:
        """Tasks held back by throttling so far."""
        return self._throttle.held if self._throttle is not None else 0

    # -- admission ------------------------------------------------------

    def submit(self, task: Task) -> bool:
        """Admit ``task`` at the door: refuse or reject it, send it for approval, or queue it."""
        if self.refusing:
            self._emit(self.env.now, "refuse", task.task_id)
            self.end(task, "refused")
            return False
        reason = self._admission.reason(task)
        if reason:
            self._emit(self.env.now, "reject", task.task_id, reason)
            self.end(task, "rejected")
            return False
        context = task.context
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
        if self._idle and not self._held:
            self._start(self._idle.pop(), task)
        elif self._held or task.priority >= _NORMAL or not self._take_worker_for(task):
            self._queues[task.priority].append(task)
            self._depth += 1
            if self.escalator is not None:
                self.escalator.watch(task)
            if self.shedder is not None and self._depth > self.shedder.limit:
                self.shedder.relieve()

    # -- queries --------------------------------------------------------

    def depths(self) -> list[int]:
        """Tasks waiting in each priority, CRITICAL first."""
        return list(map(len, self._queues))

    def depth(self, priority: Priority | None = None) -> int:
        """Tasks waiting, in one priority or in all."""
        return self._depth if priority is None else len(self._queues[priority])

    @property
    def workers(self) -> int:
        """Workers alive (dead ones wait for their restart)."""
        return self._slots.alive_count

    @property
    def busy(self) -> int:
        """Workers serving a task (a live worker is either idle or busy)."""
        return self._slots.busy

    def load(self, now: float) -> tuple[int, int, int]:
        """Workers alive, tasks waiting, and workers whose service has begun by ``now``: what health reads."""
        slots, throttled = self._slots, self._throttle is not None  # a throttled task waits out its delay first
        return slots.alive_count, self._depth, slots.executing(now) if throttled else slots.busy

    def alive_workers(self) -> list[int]:
        """Ids of the workers alive, in id order."""
        return self._slots.alive_ids()

    def running(self, worker: int) -> Task | None:
        """The task ``worker`` serves, or None while it is idle or dead."""
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
        self._add_row(task.row(outcome))
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
            for listener in self.on_breach:
                listener(task)

    def escalate(self, task: Task) -> None:
        """Raise a waiting task one priority level."""
        queue = self._queues[task.priority]
        queue.remove(task)
        task.priority = Priority(task.priority - 1)
        task.escalated += 1
        self._count("safeguard.sla_escalation")
        self._emit(self.env.now, "escalate", task.task_id, int(task.priority))
        if task.priority == Priority.CRITICAL and not self._held and self._preempt_for(task):
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
        if self._idle and not self._held:
            self._start(self._idle.pop(), task)
        else:
            self._queue_at_head(task)

    def pause(self) -> None:
        """Stop dispatching; running tasks finish, waiting ones stay queued."""
        if not self.paused:
            self.paused = self._held = True
            self.paused_at = self.env.now
            self._emit(self.env.now, "pause")

    def resume(self) -> None:
        """Dispatch again, filling every idle worker."""
        if self.paused:
            self.paused = False
            self._held = not self.serving
            self.paused_at = math.nan
            self._emit(self.env.now, "resume")
            self._fill()

    def open(self) -> None:
        """Start serving (boot is ready)."""
        if not self.serving:
            self.serving = True
            self._held = self.paused
            self._emit(self.env.now, "open")
            self._fill()

    def refuse(self, reason: str) -> None:
        """Refuse all work from now on, ending every waiting task as ``refused``."""
        self.refusing = reason
        self._emit(self.env.now, "refuse_all", reason)
        self._end_waiting("refused")

    def add_worker(self) -> int:
        """A new worker, put to work at once if anything waits; returns its id."""
        worker = self._slots.add()
        if self._stacker is not None:
            self._stacker.add_worker()
        if self._narrator is not None:
            self._narrator.add_worker()
        self._emit(self.env.now, "worker_up", worker)
        self._fill()
        return worker

    def revive(self, worker: int) -> None:
        """Bring a removed worker back."""
        if self._slots.revive(worker):
            if self._stacker is not None:
                self._stacker.forget(worker)
            self._emit(self.env.now, "worker_up", worker)
            self._fill()

    def remove_worker(self, worker: int) -> Task | None:
        """Take ``worker`` away; returns its in-flight task with the work still owed."""
        if not self._slots.alive[worker]:
            return None
        self._emit(self.env.now, "worker_down", worker)
        return self._interrupt(worker) if self._slots.remove(worker) else None

    def close(self) -> None:
        """Record every task still queued or running as ``in_flight``."""
        for worker, task in enumerate(self._running):
            if task is not None:
                self._running[worker] = self._service[worker] = None
                self.end(task, "in_flight")
        self._end_waiting("in_flight")

    def _end_waiting(self, outcome: str) -> None:
        for queue in self._queues:
            for task in queue:
                self.end(task, outcome)
            queue.clear()
        self._depth = 0

    # -- dispatch, and urgent work that finds no idle worker ------------

    def _start(self, worker: int, task: Task, service: simpy.Event | None = None) -> None:
        """Start ``task`` on ``worker``, rescheduling ``service`` (the one it has just finished) when given."""
        now = float(self.env.now)
        task.state = RUNNING
        if task.attempts == 0:
            task.started_at = now
        task.attempts += 1
        task.worker = worker
        self.dispatched += 1
        self._running[worker] = task
        if self._stacker is not None and task.origin:
            self._stacker.started(worker, task)
        delay = 0.0
        throttle = self._throttle
        if throttle is not None and task.priority >= _NORMAL and throttle.health.level >= throttle.level:
            delay = throttle.hold(task, now)
        self._began[worker] = now + delay
        contention = self._contention
        pace = self._pace[worker] = 1.0 if contention is None else contention.slowdown
        length = task.work * pace + delay
        if self.config.context_switch and task.origin and self._slots.switch(worker, task.origin):
            length += self.config.context_switch * pace
        if service is None:
            service = self._timeout(length, worker)
            service.callbacks.append(self._on_finish)
        else:  # SimPy has taken it off its queue: no stale copy of it can be left there
            service.callbacks = [self._on_finish]
            self._schedule(service, NORMAL, length)
        self._service[worker] = service
        if self._narrator is not None:
            self._narrator.dispatched(task, worker, self._depth, now)

    def _finish(self, done: simpy.Event) -> None:
        worker: int = done.value  # type: ignore[assignment]  # simpy types every value as Optional; a Timeout keeps the one given
        task = self._running[worker]
        if self._service[worker] is not done or task is None:
            return  # the worker was taken away from this task meanwhile
        now = float(self.env.now)
        task.work = 0.0
        task.finished_at = now
        task.state = DONE
        self.completed += 1
        if now > task.deadline:
            self.breach(task)
        self._add_row(task.row("completed"))
        for listener in self.on_complete:
            listener(task)
        self._running[worker] = self._service[worker] = None
        if not self._depth or self._held:
            self._idle.append(worker)
        else:
            self._depth -= 1
            self._start(worker, self._take_next(worker), done)

    def _take_next(self, worker: int) -> Task:
        """Remove the task ``worker`` serves next; only called while tasks wait and the dispatcher runs."""
        if self._stacker is not None:
            return self._stacker.take_next(self._queues, worker)
        for queue in self._queues:
            if queue:
                return queue.popleft()
        raise RuntimeError("no task waits")

    def _fill(self) -> None:
        while self._idle and not self._held and self._depth:
            worker = self._idle.pop()
            self._depth -= 1
            self._start(worker, self._take_next(worker))

    def _queue_at_head(self, task: Task) -> None:
        self._queues[task.priority].appendleft(task)
        self._depth += 1
        if self.escalator is not None:
            self.escalator.watch(task)

    def _interrupt(self, worker: int) -> Task:
        task = self._slots.vacate(worker, self.env.now)
        if self._stacker is not None:
            self._stacker.forget(worker)
        task.state = QUEUED
        return task

    def _take_worker_for(self, task: Task) -> bool:
        """Start an urgent ``task`` (CRITICAL or HIGH) on a worker a throttled task still holds, or by preemption."""
        if task.priority < _NORMAL and self._throttle is not None:
            worker = self._throttle.worker_to_yield(self._running, self._began, self.env.now, task)
            if worker >= 0:
                self._hand_over(worker, task)
                return True
        return task.priority == Priority.CRITICAL and self._preempt_for(task)

    def _preempt_for(self, task: Task) -> bool:
        preemptor = self._preemptor
        victim = -1 if preemptor is None else preemptor.worker_for(task, self._running, self._began, self.env.now)
        if victim >= 0:
            self._hand_over(victim, task)
        return victim >= 0

    def _hand_over(self, worker: int, task: Task) -> None:
        """Start ``task`` on ``worker``, whose current task goes back to the head of its queue."""
        self._queue_at_head(self._interrupt(worker))
        self._start(worker, task)
