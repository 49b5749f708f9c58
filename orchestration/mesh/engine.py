"""The workflow engine: runs triggered workflows against the kernels.

A workflow's steps run in order; a step is one action or a parallel group
whose actions run at the same time (the step ends when all of them have).
Each attempt of an action is a kernel call bounded by the action's timeout
(a call that would outlast it fails as a timeout when the timeout expires);
a kernel whose latency pattern the learning kernel recorded (``patience``:
the seconds its calls may take while it is degraded) gets at least that long.
A failed or timed-out attempt is retried up to ``max_attempts`` attempts in
total, waiting ``initial × coefficient^(attempt-1)`` (capped at
``max_interval``) after failed attempt number ``attempt``. A workflow whose
action exhausts its attempts fails: it goes to the dead-letter queue, from
which it can be replayed. At most ``max_parallel_workflows`` run at once;
the rest wait in a bounded FIFO queue. Every failed kernel call is reported
as a ``system.api_error`` (status 503 for a kernel that is down, 504 for a
timeout, 500 otherwise). Lifecycle events (workflow.started,
workflow.action_executed, workflow.completed, workflow.failed) are published
on the bus, and every run and action is recorded with its latency.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator
from typing import Any, NamedTuple, cast

import simpy
from pydantic import Field

from chaosbench.orchestration.core.errors import KernelError
from chaosbench.orchestration.core.sections import Safeguard, Section
from chaosbench.orchestration.core.wiring import Wiring
from chaosbench.orchestration.mesh.bus import EventBus
from chaosbench.orchestration.mesh.events import Event
from chaosbench.orchestration.mesh.kernels import Kernels
from chaosbench.orchestration.mesh.publisher import Publisher
from chaosbench.orchestration.mesh.registry import WorkflowRegistry
from chaosbench.orchestration.mesh.workflow_spec import Action, Workflow

RUN_COLUMNS = (
    "run",
    "workflow",
    "event_source",
    "event_id",
    "event_type",
    "triggered_at",
    "started_at",
    "finished_at",
    "latency",
    "outcome",
    "attempts",
)
ACTION_COLUMNS = ("run", "workflow", "action", "target", "started_at", "finished_at", "latency", "attempts", "outcome")
DEAD_LETTER_COLUMNS = ("run", "workflow", "event_source", "event_id", "time", "reason", "attempts")
SOURCE = "workflow_engine"
_STATUS = {"kernel is down": 503, "timeout": 504}


class RetryConfig(Safeguard):
    """Retries of failed or timed-out actions (the policy comes from the workflow file)."""


class DeadLetterConfig(Safeguard):
    """Keep failed workflow runs in a dead-letter queue from which they can be replayed."""

    capacity: int = Field(default=10_000, ge=1, description="entries kept; the oldest is evicted beyond it")


class EngineConfig(Section):
    """Concurrency, queueing and lifecycle events of the workflow engine."""

    max_parallel_workflows: int | None = Field(
        default=None, ge=1, description="overrides the workflow file's configuration when set"
    )
    queue_capacity: int = Field(default=10_000, ge=0, description="triggered runs waiting for a free slot")
    publish_lifecycle: bool = Field(default=True, description="publish workflow.* events on the bus")
    retry: RetryConfig = RetryConfig()
    dead_letter: DeadLetterConfig = DeadLetterConfig()


class DeadLetter(NamedTuple):
    """A workflow run that failed for good."""

    run: int
    workflow: str
    event: Event
    time: float
    reason: str
    attempts: int


class WorkflowEngine:
    """Executes workflows with timeouts, retries, parallel groups and a concurrency cap."""

    def __init__(
        self,
        wiring: Wiring,
        registry: WorkflowRegistry,
        kernels: Kernels,
        bus: EventBus | None = None,
        config: EngineConfig | None = None,
        *,
        retry: bool = True,
        dead_letter: bool = True,
    ) -> None:
        config = config or EngineConfig()
        self.env = wiring.env
        self._wiring = wiring
        self._emit = wiring.trace.emit
        self._count = wiring.recorder.count
        self._runs = wiring.recorder.table("workflows", RUN_COLUMNS)
        self._actions = wiring.recorder.table("actions", ACTION_COLUMNS)
        self._dead_rows = wiring.recorder.table("dead_letters", DEAD_LETTER_COLUMNS)
        self.registry = registry
        self.kernels = kernels
        self._out = Publisher(bus, wiring.env, SOURCE) if bus is not None else None
        self._lifecycle_on = config.publish_lifecycle
        self.audit = wiring.audit
        self.config = config
        self._retry = retry
        self._dead_letter = dead_letter
        self._pending: deque[tuple[Workflow, Event, float]] = deque()
        self.dead_letters: deque[DeadLetter] = deque(maxlen=config.dead_letter.capacity)
        self.running = 0
        self.peak_running = 0
        self.started = 0
        self.completed = 0
        self.failed = 0
        self.overflowed = 0
        self.retries = 0
        self.started_by: dict[str, int] = {}
        self.completed_by: dict[str, int] = {}
        self.on_failure: list[Callable[[Workflow, Event, str], None]] = []
        self.on_complete: list[Callable[[Workflow, Event, float], None]] = []
        self.patience: dict[str, float] = {}

    @property
    def max_parallel(self) -> int:
        return self.config.max_parallel_workflows or self.registry.configuration.max_parallel_workflows

    @property
    def queued(self) -> int:
        return len(self._pending)

    # -- dispatch -------------------------------------------------------

    def dispatch(self, workflow: Workflow, event: Event) -> None:
        """Run ``workflow`` for ``event`` now if a slot is free, else queue it."""
        now = self.env.now
        if self.running < self.max_parallel:
            self._start(workflow, event, now)
        elif len(self._pending) < self.config.queue_capacity:
            self._pending.append((workflow, event, now))
        else:
            self.overflowed += 1
            self._emit(now, "engine.overflow", workflow.name, event.source, event.id)
            self.audit.record(
                who="workflow_engine",
                what="shed_engine_queue_full",
                where=workflow.name,
                why=f"{self.running} runs in progress, {len(self._pending)} waiting; {event.source}/{event.id}",
                how="bounded_fifo_queue",
                when=now,
            )
            self._end_failed(-1, workflow, event, "engine queue full", 0)

    def replay_dead_letters(self) -> int:
        """Dispatch again every dead-lettered run whose workflow still exists; returns how many."""
        by_name = {w.name: w for w in self.registry.workflows}
        letters = list(self.dead_letters)
        self.dead_letters.clear()
        replayed = 0
        for letter in letters:
            workflow = by_name.get(letter.workflow)
            if workflow is None:
                self.dead_letters.append(letter)
                continue
            self._emit(self.env.now, "engine.replay", workflow.name, letter.run)
            self.audit.record(
                who="workflow_engine",
                what="replay_dead_letter",
                where=workflow.name,
                why=f"run {letter.run} failed: {letter.reason}",
                how="redispatch_from_dead_letter_queue",
            )
            self.dispatch(workflow, letter.event)
            replayed += 1
        return replayed

    def _start(self, workflow: Workflow, event: Event, triggered_at: float) -> None:
        self.running += 1
        if self.running > self.peak_running:
            self.peak_running = self.running
        self.started += 1
        self.started_by[workflow.name] = self.started_by.get(workflow.name, 0) + 1
        run = self.started
        self.audit.record(
            who="workflow_engine",
            what="dispatch_workflow",
            where=workflow.name,
            why=f"{event.type} from {event.source}/{event.id} matched the trigger",
            how=f"run {run}, {self.running}/{self.max_parallel} slots in use",
        )
        self.env.process(self._run(workflow, event, run, triggered_at))

    def _finish(self) -> None:
        self.running -= 1
        if self._pending and self.running < self.max_parallel:
            workflow, event, triggered_at = self._pending.popleft()
            self._start(workflow, event, triggered_at)

    # -- execution ------------------------------------------------------

    def _run(
        self, workflow: Workflow, event: Event, run: int, triggered_at: float
    ) -> Generator[simpy.Event, Any, None]:
        started = self.env.now
        self._emit(started, "engine.start", workflow.name, run)
        self._lifecycle("workflow.started", event, {"workflow": workflow.name, "run": run})
        attempts = 0
        failure = ""
        for step in workflow.steps:
            if len(step) == 1:
                ok, used, failure = yield from self._attempts(step[0], workflow, event, run)
                attempts += used
            else:
                branches = [self.env.process(self._attempts(a, workflow, event, run)) for a in step]
                yield self.env.all_of(branches)
                ok = True
                for branch in branches:
                    # A branch is an _attempts process: its value is what _attempts returned.
                    branch_ok, used, reason = cast(tuple[bool, int, str], branch.value)
                    attempts += used
                    if not branch_ok and ok:
                        ok, failure = False, reason
            if not ok:
                break
        else:
            now = self.env.now
            self.completed += 1
            self.completed_by[workflow.name] = self.completed_by.get(workflow.name, 0) + 1
            self._record_run(run, workflow, event, triggered_at, started, "completed", attempts)
            self._emit(now, "engine.completed", workflow.name, run)
            self._lifecycle(
                "workflow.completed", event, {"workflow": workflow.name, "run": run, "latency_s": now - triggered_at}
            )
            for listener in self.on_complete:
                listener(workflow, event, now - triggered_at)
            self._follow_up(workflow.on_success, event)
            self._finish()
            return
        self._record_run(run, workflow, event, triggered_at, started, "failed", attempts)
        self._end_failed(run, workflow, event, failure, attempts)
        self._finish()

    def _record_run(
        self,
        run: int,
        workflow: Workflow,
        event: Event,
        triggered_at: float,
        started: float,
        outcome: str,
        attempts: int,
    ) -> None:
        now = self.env.now
        self._runs.append(
            run,
            workflow.name,
            event.source,
            str(event.id),
            event.type,
            triggered_at,
            started,
            now,
            now - triggered_at,
            outcome,
            attempts,
        )

    def _action_row(self, run: int, workflow: Workflow, action: Action, first: float, attempts: int,
                    outcome: str) -> None:
        now = self.env.now
        self._actions.append(run, workflow.name, action.name, f"{action.kernel}.{action.action}", first, now,
                             now - first, attempts, outcome)

    def _attempts(
        self, action: Action, workflow: Workflow, event: Event, run: int
    ) -> Generator[simpy.Event, Any, tuple[bool, int, str]]:
        """Attempt ``action`` until it succeeds or its attempts run out: (ok, attempts, reason)."""
        env = self.env
        params = action.render(event)
        retry = action.retry
        limit = retry.max_attempts if self._retry else 1
        first = env.now
        reason = ""
        timeout = action.timeout
        if timeout is not None:
            timeout = max(timeout, self.patience.get(action.kernel, 0.0))
        for attempt in range(1, limit + 1):
            try:
                yield self.kernels.call(action.kernel, action.action, params, timeout)
                ok = True
            except KernelError as error:
                ok, reason = False, error.reason
                self._api_error(action, reason, event)
            now = env.now
            if ok:
                self._action_row(run, workflow, action, first, attempt, "completed")
                self._lifecycle(
                    "workflow.action_executed",
                    event,
                    {"workflow": workflow.name, "run": run, "action": action.name, "latency_s": now - first},
                )
                return True, attempt, ""
            if attempt < limit:
                delay = retry.delay(attempt)
                self.retries += 1
                self._count("safeguard.retry")
                self._emit(now, "engine.retry", workflow.name, run, action.name, attempt, delay)
                yield env.timeout(delay)
        self._action_row(run, workflow, action, first, limit, f"failed: {reason}")
        return False, limit, f"{action.name}: {reason} after {limit} attempt(s)"

    def _end_failed(self, run: int, workflow: Workflow, event: Event, reason: str, attempts: int) -> None:
        now = self.env.now
        self.failed += 1
        self._emit(now, "engine.failed", workflow.name, run)
        for listener in self.on_failure:
            listener(workflow, event, reason)
        self._lifecycle("workflow.failed", event, {"workflow": workflow.name, "run": run, "reason": reason})
        self._follow_up(workflow.on_failure, event)
        if self._dead_letter:
            self.dead_letters.append(DeadLetter(run, workflow.name, event, now, reason, attempts))
            self._dead_rows.append(run, workflow.name, event.source, str(event.id), now, reason, attempts)
            self._count("safeguard.dead_letter")
            self.audit.record(
                who="workflow_engine",
                what="dead_letter",
                where=workflow.name,
                why=reason,
                how=f"kept for replay after {attempts} attempt(s)",
            )

    # -- publishing -----------------------------------------------------

    def _lifecycle(self, event_type: str, cause: Event, payload: dict[str, Any]) -> None:
        if self._lifecycle_on and self._out is not None:
            self._out.publish(event_type, payload, cause)

    def _api_error(self, action: Action, reason: str, cause: Event) -> None:
        if self._out is not None:
            status = _STATUS.get(reason, 500)
            self._out.publish("system.api_error", {"endpoint": f"{action.kernel}.{action.action}", "status": status},
                              cause)

    def _follow_up(self, spec: tuple[str, Callable[[Event], Any]] | None, cause: Event) -> None:
        if spec is not None and self._out is not None:
            event_type, render = spec
            self._out.publish(event_type, render(cause), cause)

    # -- statistics -----------------------------------------------------

    def stats(self) -> dict[str, int]:
        return {
            "started": self.started,
            "completed": self.completed,
            "failed": self.failed,
            "retries": self.retries,
            "overflowed": self.overflowed,
            "queued": len(self._pending),
            "running": self.running,
            "peak_running": self.peak_running,
            "dead_letters": len(self.dead_letters),
        }

    def close(self) -> None:
        """Add the engine totals to the recorder's counts."""
        for key, value in self.stats().items():
            self._count(f"engine.{key}", value)
        for name, started in self.started_by.items():
            self._count(f"engine.started.{name}", started)
