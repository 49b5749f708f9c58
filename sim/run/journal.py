"""The journal of a finished run (DESIGN §4): verdict, probes, invariants, safeguards, findings, counts."""
from __future__ import annotations

import functools
import math
import sys
from importlib import metadata

import pandas as pd

from chaosbench.orchestration.stack import Stack
from chaosbench.orchestration.tasks.model import OUTCOMES
from chaosbench.sim.checks.findings import findings
from chaosbench.sim.checks.invariants import check_invariants
from chaosbench.sim.checks.probes import Observed, evaluate
from chaosbench.sim.checks.recovery import recovery_time
from chaosbench.sim.checks.safeguards import SAFEGUARDS
from chaosbench.sim.run.runtime import SimRuntime
from chaosbench.sim.scenario.model import Scenario


def build_journal(scenario: Scenario, runtime: SimRuntime, stack: Stack, tables: dict[str, pd.DataFrame], *,
                  seed: int, level: int, file: str) -> dict:
    """Judge a finished run from what it recorded.

    A run passes when every probe holds and every invariant held; with faults,
    liveness is one of the invariants: the stack settles within the
    scenario's settle time after the last fault ends.
    """
    tasks, faults = tables["tasks"], tables.get("faults")
    counts = runtime.recorder.counts
    seen = Observed(tasks=tasks, timeseries=tables["timeseries"], warmup=scenario.warmup, end=scenario.duration,
                    faults=faults, counts=counts, tables=tables)
    probes = [evaluate(entry.name, entry.params, seen) for entry in scenario.steady_state]
    invariants = check_invariants(runtime, stack, tasks)
    recovery = recovery_time(tables["timeseries"], faults, scenario.warmup)
    if faults is not None and not faults.empty:
        shown = "never" if math.isinf(recovery) else f"{recovery:g}s"
        invariants["liveness"] = {"held": recovery <= scenario.settle,
                                  "detail": f"settled {shown} after the last fault; settle time {scenario.settle:g}s"}
    fired = {name: counts[f"safeguard.{name}"] for name in SAFEGUARDS if counts.get(f"safeguard.{name}")}
    outcomes = tasks["outcome"].value_counts()
    journal = {
        "scenario": scenario.name,
        "file": file,
        "seed": seed,
        "level": level,
        "parameters": scenario.model_dump(mode="json", by_alias=True),
        "passed": all(p["passed"] for p in probes) and all(i["held"] for i in invariants.values()),
        "probes": probes,
        "safeguards": {
            "fired": fired,
            "expected": list(scenario.expect_safeguards),
            "missing": [name for name in scenario.expect_safeguards if name not in fired],
        },
        "invariants": invariants,
        "counts": {
            "tasks_created": stack.tasks_created,
            "tasks": {outcome: int(outcomes.get(outcome, 0)) for outcome in OUTCOMES},
            **{key: value for key, value in sorted(counts.items()) if not key.startswith("safeguard.")},
        },
        "audit": {"head": stack.audit.head, "entries": len(stack.audit)},
        "trace_digest": runtime.digest(),
        "sim_time": float(runtime.env.now),
        "versions": versions(),
    }
    journal["findings"] = findings(journal, tables, scenario.settle, recovery)
    if "events" in tables:
        journal["aggregated"] = {"events": "one row per simulated second of router counts (a storm makes one row "
                                           "per event too many); each workflow execution is a row of workflows"}
    return journal


def versions() -> dict[str, str]:
    """Versions of the interpreter and of the libraries a result depends on."""
    return dict(_versions())


@functools.cache
def _versions() -> dict[str, str]:
    # Reading package metadata costs milliseconds: once per process, not once per run.
    found = {"python": sys.version.split()[0]}
    for package in ("chaosbench", "simpy", "pydantic", "pandas", "numpy", "pyarrow"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "unknown"
    return found
