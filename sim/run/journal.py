"""Judging a finished run and writing its journal (DESIGN §4): verdict, probes, invariants, safeguards, findings."""
from __future__ import annotations

import math
import time
from collections.abc import Mapping

from chaosbench.orchestration.stack import Stack
from chaosbench.orchestration.tasks.model import OUTCOMES
from chaosbench.sim.checks.findings import findings
from chaosbench.sim.checks.invariants import check_invariants
from chaosbench.sim.checks.probe_base import Observed
from chaosbench.sim.checks.probes import evaluate
from chaosbench.sim.checks.rows import Frames, Rows
from chaosbench.sim.checks.safeguards import SAFEGUARDS
from chaosbench.sim.run.provenance import host, scenario_commit
from chaosbench.sim.run.record import (
    Audit,
    Counts,
    InvariantResult,
    Journal,
    ProbeResult,
    RunContext,
    Safeguards,
    versions,
)
from chaosbench.sim.run.runtime import SimRuntime
from chaosbench.sim.scenario.model import Scenario

#: What the journal says of the ``events`` table, whose rows are seconds rather than events.
EVENTS_AGGREGATED = ("one row per simulated second of router counts (a storm makes one row per event too many); "
                     "each workflow execution is a row of workflows")


def build_journal(scenario: Scenario, runtime: SimRuntime, stack: Stack, tables: Mapping[str, Rows], *,
                  seed: int, level: int, file: str, reproduce: str, events_processed: int,
                  started: float, started_at: str) -> Journal:
    """Judge a finished run from what it recorded.

    A run passes when every probe holds and every invariant held (and, in a
    ``strict`` scenario, every expected safeguard fired); with faults,
    liveness is one of the invariants: the stack settles within the
    scenario's settle time after the last fault ends. ``started`` is the
    ``time.perf_counter()`` reading when the run began, ``started_at`` the
    wall-clock time then (ISO 8601); the wall time runs until the journal is
    complete.
    """
    tasks, frames = tables["tasks"], Frames(tables)
    faults = frames.get("faults")
    counts = runtime.recorder.counts
    seen = Observed(tasks=tasks, timeseries=tables["timeseries"], warmup=scenario.warmup, end=scenario.duration,
                    faults=faults, counts=counts, tables=frames)
    probes = [ProbeResult.model_validate(evaluate(entry.name, entry.params, seen)) for entry in scenario.steady_state]
    invariants = {name: InvariantResult.model_validate(check)
                  for name, check in check_invariants(runtime, stack, tasks).items()}
    recovery = seen.recovery_time()
    if faults is not None and not faults.empty:
        shown = "never" if math.isinf(recovery) else f"{recovery:g}s"
        invariants["liveness"] = InvariantResult(
            held=recovery <= scenario.settle,
            detail=f"settled {shown} after the last fault; settle time {scenario.settle:g}s")
    fired = {name: counts[f"safeguard.{name}"] for name in SAFEGUARDS if counts.get(f"safeguard.{name}")}
    missing = [name for name in scenario.expect_safeguards if name not in fired]
    failed_probes = [probe.id for probe in probes if not probe.passed]
    commit, dirty = scenario_commit(file)
    broken = [name for name, check in invariants.items() if not check.held]
    outcomes = tasks.tally("outcome")
    return Journal(
        scenario=scenario.name,
        file=file,
        seed=seed,
        level=level,
        parameters=scenario.model_dump(mode="json", by_alias=True),
        passed=not failed_probes and not broken and not (scenario.strict and missing),
        probes=probes,
        safeguards=Safeguards(fired=fired, expected=list(scenario.expect_safeguards), missing=missing),
        invariants=invariants,
        counts=Counts(
            tasks_created=stack.tasks_created,
            tasks={outcome: int(outcomes.get(outcome, 0)) for outcome in OUTCOMES},
            counters={key: value for key, value in sorted(counts.items()) if not key.startswith("safeguard.")},
        ),
        audit=Audit(head=stack.audit.head, entries=len(stack.audit)),
        trace_digest=runtime.digest(),
        sim_time=float(runtime.env.now),
        versions=versions(),
        findings=findings(failed_probes, broken, missing, frames, scenario.settle, recovery),
        aggregated={"events": EVENTS_AGGREGATED} if "events" in tables else {},
        events_processed=events_processed,
        reproduce=reproduce,
        context=RunContext(host=host(), started_at=started_at, git_commit=commit, git_dirty=dirty),
        wall_time_s=round(time.perf_counter() - started, 3),
    )
