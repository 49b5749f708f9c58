"""Steady-state probes: each measures one value of a finished run and compares it to a bound.

A probe is a parameter model (on the bases of :mod:`sim.checks.probe_base`)
plus a function of the run's :class:`Observed` data that returns the
measured value; :data:`PROBES` names every one, those of the audit log's
completeness (:mod:`sim.checks.audit_probes`) among them. Its bound is its ``min`` (the value
must stay at or above it) or its ``max`` (at or below); every other
parameter picks what it measures and is part of its id
(:mod:`sim.checks.identity`). Tasks enqueued during the warm-up are left out
of every task-based probe; a probe that reads one of the stack's counters
counts the whole run.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd
from pydantic import Field

from chaosbench.sim.checks.audit_probes import UnauditedChanges, UnnarratedDispatches
from chaosbench.sim.checks.identity import PROBE_UNITS, margin, probe_id
from chaosbench.sim.checks.measures import TASK_COLUMNS, lost_tasks, measured_tasks, sla_compliance
from chaosbench.sim.checks.probe_base import AtLeast, AtMost, Bounded, Observed, ProbeModel
from chaosbench.sim.checks.rows import quantile
from chaosbench.sim.checks.safeguards import INTRUDER
from chaosbench.sim.spec.fields import Duration, Fraction, PriorityName, Rate


class SlaCompliance(AtLeast):
    """Share of accepted tasks that finished by their deadline, among those whose fate is known.

    Tasks rejected at the door or denied by governance are left out; shed,
    expired, failed and dead-lettered tasks count as misses
    (:func:`sim.checks.measures.sla_compliance`).
    """

    priority: PriorityName | None = None
    min: Fraction

    def observe(self, seen: Observed) -> float:
        return sla_compliance(seen.tasks, warmup=seen.warmup, end=seen.end, priority=self.priority)


class Latency(AtMost):
    """A quantile of the wait in queue, or of the time from enqueue to finish, of completed tasks."""

    priority: PriorityName | None = None
    quantile: float = Field(default=0.99, gt=0.0, le=1.0)
    measure: Literal["wait", "end_to_end"] = "end_to_end"
    max: Duration

    def observe(self, seen: Observed) -> float:
        value = quantile(lambda: self._latencies(seen), self.quantile)
        return 0.0 if math.isnan(value) else value

    def _latencies(self, seen: Observed) -> Iterator[np.ndarray]:
        for chunk in seen.tasks.chunks(TASK_COLUMNS):
            chunk = measured_tasks(chunk, seen.warmup, self.priority)
            chunk = chunk[chunk["outcome"] == "completed"]
            start = chunk["started_at"] if self.measure == "wait" else chunk["finished_at"]
            yield (start - chunk["enqueued_at"]).to_numpy(dtype=float)


class WorkflowLatency(AtMost):
    """A quantile of the time from a workflow run's trigger to its end, over runs triggered after the warm-up.

    Failed runs count with the time they took to fail; a run the engine
    refused at once (its queue full) has no row and is counted by
    ``failed_workflows`` instead.
    """

    quantile: float = Field(default=0.99, gt=0.0, le=1.0)
    max: Duration

    def observe(self, seen: Observed) -> float:
        runs = seen.tables.get("workflows") if seen.tables else None
        if runs is None or runs.empty:
            return 0.0
        runs = runs[runs["triggered_at"] >= seen.warmup]
        return float(np.quantile(runs["latency"], self.quantile)) if len(runs) else 0.0


class MaxQueueDepth(AtMost):
    """The deepest the queue got, in one priority or in all, sampled each interval."""

    priority: PriorityName | None = None
    max: int = Field(ge=0)

    def observe(self, seen: Observed) -> float:
        if seen.timeseries.empty:
            return 0.0
        column = f"depth_{self.priority}" if self.priority else "depth_total"
        return float(max(chunk[column].max() for chunk in seen.timeseries.chunks([column])))


class Throughput(AtLeast):
    """Tasks completed per simulated second after the warm-up."""

    min: Rate

    def observe(self, seen: Observed) -> float:
        span = seen.end - seen.warmup
        return seen.count_measured(None, lambda done: done["outcome"] == "completed") / span if span > 0 else 0.0


class RecoveryTime(AtMost):
    """Seconds from the end of the last fault until the queue is back to its pre-fault range."""

    max: Duration

    def observe(self, seen: Observed) -> float:
        return seen.recovery_time()


class ShedFraction(AtMost):
    """Share of the tasks (after the warm-up) that the load shedder dropped."""

    max: Fraction

    def observe(self, seen: Observed) -> float:
        measured = seen.count_measured(None, lambda tasks: pd.Series(True, index=tasks.index))
        return seen.count_measured(None, lambda tasks: tasks["outcome"] == "shed") / measured if measured else 0.0


#: The engine's count of failed workflow runs, kept whether or not the dead-letter queue is on.
FAILED_RUNS = "engine.failed"


class FailedTasks(Bounded):
    """Tasks that the stack accepted and lost (ended failed or dead-lettered), of one priority when given.

    See :func:`sim.checks.measures.lost_tasks`; a task killed with its
    worker while reassignment is off ends failed and counts here.
    """

    priority: PriorityName | None = None

    def observe(self, seen: Observed) -> float:
        return float(lost_tasks(seen.tasks, warmup=seen.warmup, priority=self.priority))


class FailedWorkflows(Bounded):
    """Workflow runs that failed, counted whether or not the dead-letter queue is on.

    A run fails when an action runs out of attempts or when the engine's queue
    is full (such a run has no row in the workflows table, so the engine's
    counter is read). A run replayed from the dead-letter queue is a new run:
    if it fails again, it counts again. Runs of the whole simulation count,
    warm-up included.
    """

    def observe(self, seen: Observed) -> float:
        return seen.counter(FAILED_RUNS)


class DeadLetterCount(Bounded):
    """Tasks and workflow runs that failed into a dead-letter path, whether or not the queue kept them.

    The dead-lettered tasks (after the warm-up) plus every failed workflow
    run (:class:`FailedWorkflows`): what went, or with the dead-letter queue
    off would have gone, into the queue, rather than what it still holds at
    the end, which replays empty and which is empty when the queue is off.
    """

    def observe(self, seen: Observed) -> float:
        return float(seen.count_measured(None, lambda tasks: tasks["outcome"] == "dead_lettered")) + \
            seen.counter(FAILED_RUNS)


class UnauthorizedAllowed(Bounded):
    """Requests from actors nobody authorized (an ACL flood's intruders) that were let in."""

    def observe(self, seen: Observed) -> float:
        return float(seen.tasks.count(["origin", "outcome"], lambda tasks: tasks["origin"].str.startswith(INTRUDER)
                                      & ~tasks["outcome"].isin(("denied", "rejected"))))


class UntrustedAllowed(Bounded):
    """Requests of actors the governance gate does not authorize (unknown, untrusted or quarantined) that were
    let in: the would-be denials of a gate that does not enforce, and every such request while the gate is off."""

    def observe(self, seen: Observed) -> float:
        return seen.counter("governance.would_deny") + seen.counter("governance.unexamined")


class CascadeDepthMax(Bounded):
    """The longest chain of policy rules triggering rules."""

    def observe(self, seen: Observed) -> float:
        return seen.counter("policy.deepest")


class DuplicateExecutions(Bounded):
    """Completed workflow runs beyond the first for one event identity (source, id): work done twice.

    A run replayed from the dead-letter queue after a failed one is a retry, not a duplicate.
    """

    def observe(self, seen: Observed) -> float:
        runs = seen.tables.get("workflows") if seen.tables else None
        if runs is None or runs.empty:
            return 0.0
        done = runs[runs["outcome"] == "completed"]
        return float(done.duplicated(["workflow", "event_source", "event_id"]).sum())


class UnansweredEvents(Bounded):
    """Events whose workflow started but never completed a run for them: the work the mesh took on and dropped.

    A failed run replayed from the dead-letter queue that completes answers
    its event; with the queue off, a failed run's event stays unanswered.
    """

    def observe(self, seen: Observed) -> float:
        runs = seen.tables.get("workflows") if seen.tables else None
        if runs is None or runs.empty:
            return 0.0
        key = ["workflow", "event_source", "event_id"]
        answered = runs[runs["outcome"] == "completed"][key].drop_duplicates()
        return float(len(runs[key].drop_duplicates()) - len(answered))


class LostEvents(Bounded):
    """Events the bus lost for good: every send of them was lost, so no subscriber ever saw them."""

    def observe(self, seen: Observed) -> float:
        return seen.counter("bus.lost_for_good")


class DroppedEvents(Bounded):
    """Events the mesh guard dropped unrouted: from a source it refused, or one still untrusted after every hold."""

    def observe(self, seen: Observed) -> float:
        return seen.counter("mesh.dropped")


class OutOfOrder(Bounded):
    """Deliveries that overtook an earlier event of the same source on its way to the same subscriber.

    Measured from the moment the bus's reordering was first switched on.
    """

    def observe(self, seen: Observed) -> float:
        return seen.counter("bus.out_of_order")


class TimeToHeal(AtMost):
    """Mean seconds from the anomaly that opened an incident to the end of the playbook that healed it.

    Over the incidents the immune kernel healed in the whole run (its
    counters ``immune.time_to_heal_ms`` and ``immune.incidents_healed``), so
    failed attempts before the healing one count in full; infinite when it
    healed none. The incidents no playbook healed are counted apart
    (``immune.incidents_unhealed``).
    """

    max: Duration

    def observe(self, seen: Observed) -> float:
        healed = seen.counter("immune.incidents_healed")
        return seen.counter("immune.time_to_heal_ms") / 1000 / healed if healed else math.inf


class BootTime(AtMost):
    """Seconds from the first boot chunk's start to the last one's end; infinite when boot stopped."""

    max: Duration

    def observe(self, seen: Observed) -> float:
        boot = seen.tables.get("boot") if seen.tables else None
        if boot is None or boot.empty:
            return math.inf
        if (~boot["ok"].astype(bool) & ~boot["can_fail"].astype(bool)).any():
            return math.inf
        return float(boot["finished_at"].max() - boot["started_at"].min())


PROBES: dict[str, type[ProbeModel]] = {
    "sla_compliance": SlaCompliance,
    "latency": Latency,
    "max_queue_depth": MaxQueueDepth,
    "throughput": Throughput,
    "recovery_time": RecoveryTime,
    "shed_fraction": ShedFraction,
    "failed_tasks": FailedTasks,
    "failed_workflows": FailedWorkflows,
    "dead_letter_count": DeadLetterCount,
    "unauthorized_allowed": UnauthorizedAllowed,
    "untrusted_allowed": UntrustedAllowed,
    "cascade_depth_max": CascadeDepthMax,
    "duplicate_executions": DuplicateExecutions,
    "boot_time": BootTime,
    "lost_events": LostEvents,
    "dropped_events": DroppedEvents,
    "unanswered_events": UnansweredEvents,
    "workflow_latency": WorkflowLatency,
    "out_of_order": OutOfOrder,
    "time_to_heal": TimeToHeal,
    "unaudited_changes": UnauditedChanges,
    "unnarrated_dispatches": UnnarratedDispatches,
}


class Probe(Protocol):
    """What :func:`evaluate` needs of a probe's parameter model."""

    def observe(self, seen: Observed) -> float: ...

    def holds(self, value: float) -> bool: ...

    def threshold(self) -> float: ...

    def operator(self) -> str: ...

    def parameters(self) -> dict[str, Any]: ...


def identify(kind: str, probe: Probe) -> str:
    """The probe's id: its kind and the parameters that pick what it measures (``sla_compliance[critical]``)."""
    return probe_id(kind, probe.parameters())


def evaluate(kind: str, probe: Probe, seen: Observed) -> dict[str, Any]:
    """The journal's record of one probe (``{id, kind, params, value, unit, bound: {op, value, unit}, margin,
    passed}``); a NaN value never passes."""
    value = probe.observe(seen)
    unit, op, threshold = PROBE_UNITS[kind], probe.operator(), probe.threshold()
    passed = not math.isnan(value) and probe.holds(value)
    return {"id": identify(kind, probe), "kind": kind, "params": probe.parameters(), "value": value, "unit": unit,
            "bound": {"op": op, "value": threshold, "unit": unit}, "margin": margin(op, value, threshold),
            "passed": bool(passed)}
