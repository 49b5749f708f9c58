"""Faults on the task side: floods, worker dropouts, a paused dispatcher, resource siege, approval outage."""
from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer, model_validator
from simpy.events import ProcessGenerator

from chaosbench.orchestration.tasks.model import Priority
from chaosbench.sim.faults.base import Fault, FaultParams, Windowed
from chaosbench.sim.spec.fields import Duration, Fraction, PriorityMix
from chaosbench.sim.workloads.intents import IntentMix, weighted_choice
from chaosbench.sim.workloads.tasks import ServiceTime

#: A task kind the HTM refuses at the door (kinds are letters, digits and _.:-), and no intent type either.
INVALID_KIND = "malformed intent!"


class QueueFloodParams(FaultParams):
    count: int = Field(ge=1, le=10_000_000)
    over: Duration = 1.0
    invalid_fraction: Fraction = 0.0
    priority_mix: PriorityMix = {"normal": 1.0}
    service: ServiceTime = ServiceTime(exponential=1.0)
    intents: IntentMix | None = None
    actor: str = "workload"
    sla: Duration | None = Field(default=None, gt=0, description="when each flooded task is due; unset is the "
                                 "task manager's SLA for its priority")

    @model_validator(mode="after")
    def _intents_bring_their_priority(self) -> QueueFloodParams:
        if self.intents is not None and "priority_mix" in self.model_fields_set:
            raise ValueError("an intent flood takes each intent's priority from its tier; leave out priority_mix")
        return self

    @model_serializer(mode="wrap")
    def _optional_fields_only_when_used(self, dump: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # A flood of tasks has no intent mix nor actor, and one without an SLA of its own none:
        # its parameters read as they always did.
        data: dict[str, Any] = dump(self)
        if self.intents is None:
            data.pop("intents", None)
            data.pop("actor", None)
        if self.sla is None:
            data.pop("sla", None)
        return data

    @property
    def duration(self) -> float:
        return self.over


class QueueFlood(Fault[QueueFloodParams]):
    """``count`` tasks enqueued evenly over ``over`` seconds, a fraction of them malformed, each due ``sla`` later.

    With ``intents`` (a mix of intent kinds) the flood is of intents from
    ``actor`` (by default ``workload``, a component the governance gate
    knows), sent through the intent governance router as design document
    002's queue flood sends them: each takes its tier's priority and path
    (approval, vote, governance), and a malformed one, of no known type, is
    rejected there.
    """

    kind = "queue_flood"
    Params = QueueFloodParams

    def begin(self) -> None:
        self.depth_before = self.stack.htm.depth()
        self.peak = self.depth_before
        self.rejected = 0
        self.stack.runtime.env.process(self._flood())

    def _flood(self) -> ProcessGenerator:
        params, stack = self.params, self.stack
        rng = stack.runtime.rng(self.rng_name)
        draw_work = params.service.sampler(rng)
        if params.intents is not None:
            yield from self._intents(params.intents, rng, draw_work)
            return
        levels = sorted((Priority.parse(name), weight) for name, weight in params.priority_mix.items())
        gap = params.over / params.count
        for _ in range(params.count):
            invalid = rng.random() < params.invalid_fraction
            u, priority = rng.random(), levels[-1][0]
            for level, weight in levels:
                if u < weight:
                    priority = level
                    break
                u -= weight
            stack.enqueue(INVALID_KIND if invalid else "flood", priority, draw_work(), params.sla,
                          origin="queue_flood")
            self.rejected += invalid
            self.peak = max(self.peak, stack.htm.depth())
            yield stack.runtime.env.timeout(gap)

    def _intents(self, mix: dict[str, float], rng: random.Random, draw_work: Callable[[], float]) -> ProcessGenerator:
        params, stack = self.params, self.stack
        kind_of = weighted_choice(mix, rng)
        gap = params.over / params.count
        for _ in range(params.count):
            invalid = rng.random() < params.invalid_fraction
            stack.submit_intent(INVALID_KIND if invalid else kind_of(), params.actor, work=draw_work(), sla=params.sla)
            self.rejected += invalid
            self.peak = max(self.peak, stack.htm.depth())
            yield stack.runtime.env.timeout(gap)

    def effect(self) -> tuple[float, str]:
        rise = self.peak - self.depth_before
        sent = "intents" if self.params.intents is not None else "tasks"
        return (rise + self.rejected,
                f"queue depth rose from {self.depth_before} to {self.peak}; {self.rejected} malformed {sent} sent")


class WorkerDropoutParams(FaultParams):
    fraction: Fraction | None = None
    count: int | None = Field(default=None, ge=1)
    restart_after: Duration | None = None

    @model_validator(mode="after")
    def _one_size(self) -> WorkerDropoutParams:
        if (self.fraction is None) == (self.count is None):
            raise ValueError("expected exactly one of fraction or count")
        return self

    @property
    def duration(self) -> float:
        return self.restart_after or 0.0


class WorkerDropout(Fault[WorkerDropoutParams]):
    """Kill a fraction (or a count) of the live workers; optionally restart them all after a while."""

    kind = "worker_dropout"
    Params = WorkerDropoutParams

    def begin(self) -> None:
        alive = self.stack.htm.workers
        k, fraction = self.params.count, self.params.fraction
        if k is None:
            assert fraction is not None, "the parameters hold exactly one of fraction and count"
            # Half up, and a non-zero fraction of a live pool is at least one worker.
            k = int(fraction * alive + 0.5)
            if fraction > 0 and alive:
                k = max(k, 1)
        self.alive_before = alive
        self.killed = self.stack.kill_workers(k)

    def end(self) -> None:
        self.stack.restart_workers()

    def effect(self) -> tuple[float, str]:
        return len(self.killed), f"killed {len(self.killed)} of {self.alive_before} workers"


class SchedulerPause(Fault[Windowed]):
    """Pause the HTM dispatcher for ``for`` seconds (or until something resumes it).

    Its effect is the most tasks held waiting while the dispatcher stood
    still, sampled each second, so a pause the stack heals early still counts.
    """

    kind = "scheduler_pause"
    Params = Windowed

    def begin(self) -> None:
        self.depth_before = self.stack.htm.depth()
        self.peak = self.depth_before
        self.paused_for = 0.0
        self.stack.pause_dispatcher()
        self.stack.runtime.env.process(self._watch())

    def _watch(self) -> ProcessGenerator:
        env, htm = self.stack.runtime.env, self.stack.htm
        start = env.now
        until = start + self.params.duration
        while env.now < until and htm.paused:
            self.peak = max(self.peak, htm.depth())
            yield env.timeout(min(1.0, until - env.now))
        self.paused_for = env.now - start

    def end(self) -> None:
        self.stack.resume_dispatcher()

    def effect(self) -> tuple[float, str]:
        early = " (resumed before the window ended)" if self.paused_for < self.params.duration else ""
        return (self.peak,
                f"dispatcher paused about {self.paused_for:g}s{early}; {self.depth_before} tasks waiting at the pause, "
                f"up to {self.peak} while paused")


class ResourceSiegeParams(Windowed):
    cpu: float = Field(default=0.0, ge=0, le=100, description="percentage points of CPU pressure")
    memory: float = Field(default=0.0, ge=0, le=100, description="percentage points of memory pressure")


class ResourceSiege(Fault[ResourceSiegeParams]):
    """Add CPU and memory pressure for ``for`` seconds."""

    kind = "resource_siege"
    Params = ResourceSiegeParams

    def begin(self) -> None:
        self.level_before = self.stack.health.current()
        self.peak_level = self.level_before
        self.stack.set_pressure(cpu=self.params.cpu, memory=self.params.memory)
        self.stack.runtime.env.process(self._watch())

    def _watch(self) -> ProcessGenerator:
        env = self.stack.runtime.env
        until = env.now + self.params.duration
        while env.now < until:
            self.peak_level = max(self.peak_level, self.stack.health.current())
            yield env.timeout(1.0)

    def end(self) -> None:
        self.stack.set_pressure(cpu=0.0, memory=0.0)

    def effect(self) -> tuple[float, str]:
        return (self.peak_level - self.level_before,
                f"stress level went from {self.level_before} to {self.peak_level} (0 low .. 3 critical)")


class ApprovalOutage(Fault[Windowed]):
    """The human operator is away for ``for`` seconds."""

    kind = "approval_outage"
    Params = Windowed

    def begin(self) -> None:
        self.stack.set_operator_available(False)
        self.peak_waiting = 0
        self.stack.runtime.env.process(self._watch())

    def _watch(self) -> ProcessGenerator:
        env = self.stack.runtime.env
        until = env.now + self.params.duration
        while env.now < until:
            self.peak_waiting = max(self.peak_waiting, self.stack.operator.waiting)
            yield env.timeout(1.0)

    def end(self) -> None:
        self.stack.set_operator_available(True)

    def effect(self) -> tuple[float, str]:
        return self.peak_waiting, f"up to {self.peak_waiting} requests waited for the absent operator"
