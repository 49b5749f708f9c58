"""The assembled stack and its public control surface.

``Stack`` builds every component from one :class:`StackConfig` and exposes the
controls a client (or a chaos tool) may use. Nothing outside this package
reaches into a component's internals.
"""
from __future__ import annotations

from typing import Any

from .audit import AuditLog
from .bus import EventBus
from .config import StackConfig
from .engine import WorkflowEngine
from .events import Event
from .htm import TaskManager
from .kernels import Kernels
from .policy import EventPolicyKernel
from .registry import WorkflowRegistry
from .router import EventRouter
from .runtime import Runtime
from .tasks import Priority, Task


class Stack:
    """One orchestration stack living in ``runtime``."""

    def __init__(self, runtime: Runtime, config: StackConfig | None = None) -> None:
        self.runtime = runtime
        self.config = config or StackConfig()
        self.htm = TaskManager(runtime, self.config.htm)
        self._next_task_id = 0
        self._init_event_side()

    def _init_event_side(self) -> None:
        runtime, config = self.runtime, self.config
        self.kernels = Kernels(runtime, config.kernels)
        self.audit = AuditLog(runtime)
        self.bus = EventBus(runtime, config.bus)
        self.registry = WorkflowRegistry.from_config(runtime, config.workflows)
        self.engine = WorkflowEngine(
            runtime, self.registry, self.kernels, self.bus, self.audit, config.engine,
            retry=config.is_on(config.engine.retry),
            dead_letter=config.is_on(config.engine.dead_letter),
        )
        self.router = EventRouter(
            runtime, self.registry, self.engine.dispatch, config.router,
            dedup=config.is_on(config.router.dedup),
            rate_limiter=config.is_on(config.router.rate_limiter),
            audit=self.audit,
        )
        self.engine.on_failure.append(self.router.workflow_failed)
        self.policy = EventPolicyKernel(
            runtime, self.bus, self.kernels, self.registry.schemas, self.audit, config.policy,
            cascade_breaker=config.is_on(config.policy.cascade_breaker),
            raise_task=self.enqueue,
        )
        self.router.attach(self.bus)
        self.bus.subscribe("*", "event_policy_kernel", self.policy.handle)
        self._next_event_id = 0

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
        for component in (self.bus, self.router, self.engine, self.policy, self.kernels):
            component.close()
        self.runtime.recorder.count("audit.entries", len(self.audit))
