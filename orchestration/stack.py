"""The assembled stack and its public control surface.

``Stack`` builds every component from one :class:`StackConfig` and exposes the
controls a client (or a chaos tool) may use. Nothing outside this package
reaches into a component's internals.
"""
from __future__ import annotations

from typing import Any

from .approval import ApprovalGate
from .boot import BootOrchestrator
from .config import StackConfig
from .governance import GovernanceGate, MeshGuard
from .health import HealthModel
from .htm import TaskManager
from .intents import IntentRouter
from .learning import WorkflowLearning
from .operator import Operator
from .runtime import Runtime
from .tasks import Priority, Task, TaskContext
from .trust import TrustScorer
from .workers import WorkerPool


class Stack:
    """One orchestration stack living in ``runtime``."""

    def __init__(self, runtime: Runtime, config: StackConfig | None = None, audit: Any = None) -> None:
        self.runtime = runtime
        self.config = config = config or StackConfig()
        master = config.safeguards
        self.audit = audit
        self.htm = TaskManager(runtime, config.htm, safeguards=master, audit=audit)
        self.health = HealthModel(runtime, config.health, self.htm)
        self.htm.health = self.health
        self.pool = WorkerPool(runtime, config.pool, self.htm, safeguards=master, audit=audit)
        self.health.listeners.append(self.pool.on_stress)
        if self.htm.throttling or self.pool.relief_on:
            self.health.start()
        self.operator = Operator(runtime, config.operator)
        self.approval = None
        if config.is_on(config.approval):
            self.approval = ApprovalGate(runtime, config.approval, self.htm, self.operator, audit)
            self.htm.approval = self.approval
        self.trust = TrustScorer(runtime, config.trust)
        self.gate = GovernanceGate(runtime, config.governance, self.trust, safeguards=master, audit=audit)
        self.mesh_guard = MeshGuard(runtime, config.mesh_guard, self.gate)
        self.intents = IntentRouter(runtime, config.intents)
        self.learning = WorkflowLearning(runtime)
        self.boot = BootOrchestrator(runtime, config.boot, audit)
        self._voting: dict[int, Task] = {}
        self._next_task_id = 0

    # -- work in --------------------------------------------------------

    def enqueue(
        self,
        kind: str,
        priority: Priority | str | int,
        work: float,
        sla: float | None = None,
        origin: str = "",
        payload: Any = None,
        *,
        handler: str = "",
        context: TaskContext | None = None,
    ) -> Task:
        """Submit a task needing ``work`` seconds of service, due ``sla`` seconds from now.

        ``sla`` defaults to the HTM's SLA for the priority. A task is rejected
        at the door if invalid and goes through the approval gate if its
        context requires approval.
        """
        task = self._new_task(kind, Priority.parse(priority), work, sla, origin, payload, handler, context)
        self.htm.submit(task)
        return task

    def submit_intent(
        self,
        intent_type: str,
        actor: str,
        payload: Any = None,
        mission_context: dict | None = None,
        work: float = 1.0,
        sla: float | None = None,
    ) -> Task:
        """Route an intent through governance and, if it may run, into the HTM.

        Unknown intent types are rejected; an actor the governance gate refuses
        is denied; tier 0 waits for the operator's approval; tier 3 waits for
        the unified-logic vote and is denied without a quorum.
        """
        routing = self.intents.route(intent_type, mission_context)
        priority = routing.priority if routing is not None else Priority.NORMAL
        task = self._new_task(intent_type, priority, work, sla, actor, payload, "intent_router", None)
        if routing is None:
            self.runtime.trace.emit(self.runtime.env.now, "reject", task.task_id, "unknown intent type")
            self.htm.end(task, "rejected")
            return task
        task.tier = routing.tier
        if not self.gate.check(actor, intent_type, "intent_router", routing.risk):
            self.htm.end(task, "denied")
            return task
        if self.audit is not None and routing.tier in (1, 4):
            self.audit.record(
                who=actor,
                what=f"intent {intent_type} (task {task.task_id})",
                where="intent_router",
                why="; ".join(routing.reasoning),
                how=f"autonomy tier {routing.tier}",
            )
        if routing.requires_approval:
            task.context = TaskContext(origin_service=actor, risk_level=routing.risk, requires_approval=True)
        if routing.requires_vote:
            self._voting[task.task_id] = task
            self.intents.vote(task.task_id, routing.alignment, lambda passed, _yes: self._voted(task, passed))
        else:
            self.htm.submit(task)
        return task

    # -- controls -------------------------------------------------------

    def kill_workers(self, k: int) -> list[int]:
        """Kill ``k`` workers chosen at random; their in-flight tasks are reassigned."""
        return self.pool.kill(k)

    def add_workers(self, n: int = 1) -> list[int]:
        """Add ``n`` workers for good."""
        return self.pool.add(n)

    def pause_dispatcher(self) -> None:
        self.htm.pause()

    def resume_dispatcher(self) -> None:
        self.htm.resume()

    def set_pressure(self, cpu: float | None = None, memory: float | None = None) -> None:
        """Inject resource pressure in percentage points (0 removes it)."""
        self.health.set_pressure(cpu, memory)

    def set_operator_available(self, available: bool) -> None:
        self.operator.set_available(available)

    # -- accounting -----------------------------------------------------

    @property
    def tasks_created(self) -> int:
        return self._next_task_id

    def close(self) -> None:
        """End of run: record whatever is unfinished."""
        self.htm.close()
        if self.approval is not None:
            self.approval.close()
        for task in self._voting.values():
            self.htm.end(task, "in_flight")
        self._voting.clear()

    # -- internals ------------------------------------------------------

    def _new_task(self, kind: str, priority: Priority, work: float, sla: float | None, origin: str,
                  payload: Any, handler: str, context: TaskContext | None) -> Task:
        if sla is None:
            sla = self.config.htm.sla[priority]
        if context is not None and not origin:
            origin = context.origin_service
        task = Task(self._next_task_id, kind, priority, work, self.runtime.env.now, sla, origin, payload, context, handler)
        self._next_task_id += 1
        return task

    def _voted(self, task: Task, passed: bool) -> None:
        if self._voting.pop(task.task_id, None) is None:
            return
        if passed:
            self.htm.submit(task)
        else:
            self.htm.end(task, "denied")
