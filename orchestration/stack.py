"""The assembled stack and its public control surface.

``Stack`` builds every component from one :class:`StackConfig` and exposes the
controls a client (or a chaos tool) may use. Nothing outside this package
reaches into a component's internals.
"""
from __future__ import annotations

from typing import Any

from chaosbench.orchestration.config import StackConfig
from chaosbench.orchestration.core.audit import AuditLog
from chaosbench.orchestration.core.memory import MemoryWriter
from chaosbench.orchestration.core.runtime import Runtime
from chaosbench.orchestration.core.wiring import Announce, Wiring
from chaosbench.orchestration.feedback import wire_feedback
from chaosbench.orchestration.governance.approval import ApprovalGate
from chaosbench.orchestration.governance.gate import GovernanceGate, MeshGuard
from chaosbench.orchestration.governance.intents import IntentRouter
from chaosbench.orchestration.governance.operator import Operator
from chaosbench.orchestration.governance.trust import TrustScorer
from chaosbench.orchestration.mesh.bus import EventBus
from chaosbench.orchestration.mesh.engine import WorkflowEngine
from chaosbench.orchestration.mesh.events import Event
from chaosbench.orchestration.mesh.kernels import Kernels
from chaosbench.orchestration.mesh.publisher import Publisher
from chaosbench.orchestration.mesh.registry import WorkflowRegistry
from chaosbench.orchestration.mesh.router import EventRouter
from chaosbench.orchestration.policy.kernel import EventPolicyKernel
from chaosbench.orchestration.resilience.boot import BootOrchestrator
from chaosbench.orchestration.resilience.heartbeat import HeartbeatMonitor
from chaosbench.orchestration.resilience.immune import HealingPlaybooks, ImmuneKernel
from chaosbench.orchestration.resilience.learning import WorkflowLearning
from chaosbench.orchestration.resilience.monitors import KpiMonitor, TestQualityMonitor
from chaosbench.orchestration.resilience.watchdog import Watchdog
from chaosbench.orchestration.tasks.health import HealthModel
from chaosbench.orchestration.tasks.manager import TaskManager
from chaosbench.orchestration.tasks.model import Priority, Task, TaskContext
from chaosbench.orchestration.tasks.workers import WorkerPool


class Stack:
    """One orchestration stack living in ``runtime``.

    Task side: the task manager (``htm``), its health model and worker pool,
    the operator and approval gate, trust scores, the governance gate, the
    intent router and the learning loop. Event side: kernels, bus, workflow
    registry, router (the trigger mesh, behind the governance gate's source
    check), engine and policy kernel. Supervision: the boot orchestrator, the
    watchdog and the immune kernel. One audit log serves them all.

    Controls: :meth:`enqueue`, :meth:`submit_intent`, :meth:`publish`,
    :meth:`kill_workers`, :meth:`add_workers`, :meth:`pause_dispatcher`,
    :meth:`resume_dispatcher`, :meth:`set_pressure`,
    :meth:`set_operator_available`, :meth:`take_kernel_down`,
    :meth:`bring_kernel_up`, :meth:`slow_kernel`, :meth:`set_bus_loss`,
    :meth:`set_bus_duplication`, :meth:`set_bus_reorder`.
    """

    def __init__(self, runtime: Runtime, config: StackConfig | None = None) -> None:
        self.runtime = runtime
        self._env = runtime.env
        self.config = config = config or StackConfig()
        self.audit = AuditLog(runtime)
        self.wiring = Wiring.of(runtime, self.audit)
        self._next_task_id = 0
        self._next_event_id = 0
        # The bus comes first: every component reports what it observes on it.
        self.registry = WorkflowRegistry.from_config(self.wiring, config.workflows)
        self.bus = EventBus(self.wiring, config.bus, self.registry.schemas, safeguards=config.safeguards)
        self.memory = MemoryWriter(self.wiring, config.memory, self._announcer("memory"))
        self.kernels = Kernels(self.wiring, config.kernels)
        self._init_task_side()
        self._init_event_side()
        self._init_supervision()
        wire_feedback(self)

    def _announcer(self, source: str) -> Announce:
        """How the component ``source`` publishes what it observes."""
        return Publisher(self.bus, self.runtime.env, source).publish

    def _init_task_side(self) -> None:
        wiring, config = self.wiring, self.config
        master = config.safeguards
        self.htm = TaskManager(self.wiring, config.htm, safeguards=master, open=False)  # opened once boot is ready
        self.pool = WorkerPool(wiring, config.pool, self.htm, safeguards=master)
        self.health = HealthModel(wiring, config.health, self.htm, strained=self.kernels,
                                  out_of_memory=lambda: self.pool.kill(1), events=lambda: self.bus.published)
        self.htm.attach_health(self.health, self.health)
        self.health.listeners.append(self.pool.on_stress)
        if self.htm.throttling or self.pool.relief_on:
            self.health.start()
        self.operator = Operator(wiring, config.operator)
        self.approval = None
        if config.is_on(config.approval):
            self.approval = ApprovalGate(wiring, config.approval, self.htm, self.operator)
            self.htm.approval = self.approval
        self.trust = TrustScorer(wiring, config.trust, self._announcer("trust_scorer"))
        self.gate = GovernanceGate(wiring, config.governance, self.trust, safeguards=master,
                                   announce=self._announcer("governance_gate"))
        self.mesh_guard = MeshGuard(wiring, config.mesh_guard, self.gate)
        self.intents = IntentRouter(wiring, config.intents, self.gate, self.htm)
        self.learning = WorkflowLearning(wiring, config.learning)

    def _init_event_side(self) -> None:
        wiring, config = self.wiring, self.config
        self.engine = WorkflowEngine(
            wiring, self.registry, self.kernels, self.bus, config.engine,
            retry=config.is_on(config.engine.retry),
            dead_letter=config.is_on(config.engine.dead_letter),
        )
        self.router = EventRouter(
            wiring, self.registry, self.engine.dispatch, config.router,
            dedup=config.is_on(config.router.dedup),
            rate_limiter=config.is_on(config.router.rate_limiter),
        )
        self.engine.on_failure.append(self.router.workflow_failed)
        self.policy = EventPolicyKernel(
            wiring, self.bus, self.kernels, self.registry.schemas, config.policy,
            cascade_breaker=config.is_on(config.policy.cascade_breaker),
            raise_task=self.enqueue,
        )
        self.router.attach(self.bus, guard=self.mesh_guard.guard)
        self.bus.subscribe("*", "event_policy_kernel", self.policy.handle)
        if self.pool.relief_on:
            self.bus.subscribe("agent.spawn_requested", "relief_agents", self._spawn_requested)

    def _init_supervision(self) -> None:
        wiring, config = self.wiring, self.config
        self.boot = BootOrchestrator(wiring, config.boot, retry=config.is_on(config.boot.retry),
                                     announce=self._announcer("boot"))
        self.boot.on_ready.append(self.htm.open)
        self.boot.on_failed.append(lambda chunk: self.htm.refuse(f"boot failed at chunk {chunk}"))
        self.boot.on_degraded.append(lambda chunk: self._degrade(chunk, False))
        self.boot.on_restored.append(lambda chunk: self._degrade(chunk, True))
        self.boot.start()
        self.watchdog = None
        if config.is_on(config.watchdog):
            self.watchdog = Watchdog(
                wiring, config.watchdog, self.htm, bus=self.bus, policy=self.policy, kernels=self.kernels,
                trust=self.trust, vitals=self.health,
                subscriptions=lambda: self.bus.subscription_count,
                readiness={
                    "boot": lambda: self.boot.complete and self.boot.ok,
                    "htm_orchestrator": lambda: self.htm.workers >= 1,
                    "trigger_mesh": lambda: self.bus.subscription_count >= 1,
                    "scheduler": lambda: not self.htm.paused,
                },
            )
            self.watchdog.start()
        self.immune = None
        if config.is_on(config.immune):
            self.immune = ImmuneKernel(
                wiring, config.immune, self.gate, self.learning,
                HealingPlaybooks(
                    self.htm, self.pool, self.kernels, self.trust, self.engine, config.htm.workers
                ).by_name(),
                Publisher(self.bus, self.runtime.env, "immune_kernel"),
            )
            self.bus.subscribe("anomaly.detected", "immune_kernel", self.immune.handle)
            self.kernels.listeners.append(self.immune.on_kernel)
        self.heartbeats = None
        if config.is_on(config.heartbeat):
            self.heartbeats = HeartbeatMonitor(wiring, config.heartbeat, self.kernels, self.bus)
            self.heartbeats.start()
        self.kpis = None
        if config.is_on(config.kpi):
            self.kpis = KpiMonitor(wiring, config.kpi, self.engine, self.kernels,
                                   Publisher(self.bus, self.runtime.env, "kpi_monitor"))
            self.htm.on_complete.append(self.kpis.on_finished)
            self.kpis.start()
        self.test_quality = None
        if config.is_on(config.test_quality):
            self.test_quality = TestQualityMonitor(wiring, config.test_quality, self.kernels,
                                                   Publisher(self.bus, self.runtime.env, "test_quality_monitor"))
            self.test_quality.start()

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
        if type(priority) is not Priority:
            priority = Priority.parse(priority)
        if sla is None:
            sla = self.config.htm.sla[priority]
        if context is not None and not origin:
            origin = context.origin_service
        task = Task(self._next_task_id, kind, priority, work, self._env.now, sla, origin, payload, context, handler)
        self._next_task_id += 1
        self.htm.submit(task)
        return task

    def submit_intent(
        self,
        intent_type: str,
        actor: str,
        payload: Any = None,
        mission_context: dict[str, Any] | None = None,
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
        if sla is None:
            sla = self.config.htm.sla[priority]
        task = Task(self._next_task_id, intent_type, priority, work, self.runtime.env.now, sla, actor, payload,
                    None, "intent_router")
        self._next_task_id += 1
        if routing is None:
            self.intents.reject(task)
            return task
        self.intents.admit(task, routing)
        return task

    def publish(
        self, event_type: str, payload: dict[str, Any], source: str = "client", id: str | int | None = None
    ) -> Event:
        """Publish an event on the bus now; without ``id`` the stack numbers it."""
        if id is None:
            self._next_event_id += 1
            id = self._next_event_id
        event = Event(source, id, event_type, self.runtime.env.now, payload)
        self.bus.publish(event)
        return event

    # -- controls -------------------------------------------------------

    def kill_workers(self, k: int) -> list[int]:
        """Kill ``k`` workers chosen at random; their in-flight tasks are reassigned."""
        return self.pool.kill(k)

    def restart_workers(self) -> list[int]:
        """Restart every killed worker now rather than after its restart delay."""
        return self.pool.restart_all()

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

    def take_kernel_down(self, name: str) -> None:
        self.kernels.take_down(name)

    def hang_kernel(self, name: str) -> None:
        """Make kernel ``name`` stop answering and stop its heartbeat until it is restarted."""
        self.kernels.hang(name)

    def bring_kernel_up(self, name: str) -> None:
        self.kernels.bring_up(name)

    def slow_kernel(self, name: str, factor: float) -> None:
        """Multiply the latency of kernel ``name`` by ``factor`` (1 restores it)."""
        self.kernels.slow(name, factor)

    def set_bus_loss(self, probability: float) -> None:
        self.bus.set_loss(probability)

    def set_bus_duplication(self, probability: float, delay: float = 0.0) -> None:
        """Deliver events twice with ``probability``, the second copy ``delay`` seconds after the first."""
        self.bus.set_duplication(probability, delay)

    def set_bus_reorder(self, probability: float, window: float | None = None) -> None:
        """Hold events back in transit with ``probability``, up to ``window`` seconds (the bus's default if unset)."""
        self.bus.set_reorder(probability, window)

    # -- accounting -----------------------------------------------------

    @property
    def tasks_created(self) -> int:
        return self._next_task_id

    @property
    def tasks_live(self) -> int:
        """Tasks created but not ended: waiting, running, pending approval or awaiting a vote."""
        pending = len(self.approval.pending) if self.approval is not None else 0
        return self.htm.depth() + self.htm.busy + pending + len(self.intents.voting)

    def close(self) -> None:
        """End of run: record whatever is unfinished."""
        self.htm.close()
        if self.approval is not None:
            self.approval.close()
        self.intents.close()
        for component in (self.bus, self.router, self.engine, self.policy, self.kernels):
            component.close()
        self.runtime.recorder.count("audit.entries", len(self.audit))

    # -- internals ------------------------------------------------------

    def _degrade(self, chunk: str, running: bool) -> None:
        # What a can-fail boot chunk starts, off while the chunk has failed.
        if chunk == "mesh_validators":
            self.mesh_guard.validating = running

    def _spawn_requested(self, event: Event) -> None:
        # The policy kernel's "spawn relief agents" action, within the pool's cap.
        if self.gate.check(event.source, "spawn_agent", "worker_pool", "medium"):
            self.pool.spawn_relief()
