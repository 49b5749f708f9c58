"""Small scenarios for the fault and safeguard effect tests: one run with a change, one without."""
from __future__ import annotations

import copy

import pandas as pd

from chaosbench.sim.run.record import ProbeResult, RunResult
from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.scenario.model import Scenario

#: Background tasks: 2.4/s of about one second's work on the four workers of these scenarios (rho = 0.6).
TASKS = {"tasks": {"rate": "2.4/s", "service": {"exponential": "1s"}}}

#: Critical KPI breaches, one a second: each one starts kpi_critical_healing, a call to avn_core.
CRITICAL_KPIS = {"events": {"rate": "1/s", "sources": 5, "types": {"kpi.threshold_breach": 1.0},
                            "payloads": {"kpi.threshold_breach": {"severity": "CRITICAL"}}}}


#: Tier-0 intents (human approval required) from an authorized actor, one a second for 30 s from 5 s on.
TIER0_INTENTS = {"intents": {"rate": "1/s", "mix": {"modify_governance": 1.0}, "start": "5s", "stop": "35s"}}

#: Stress without its cost: service and kernel calls keep their pace whatever the pressure.
NO_CONTENTION = {"contention": {"slowdown": 0.0, "kernel_failure": 0.0, "oom_probability": 0.0}}

#: A crashed kernel left to the immune kernel, which restarts it at the watchdog's next check: the
#: critical-error rule, the batched API errors' self-healing, the crash-response workflow and the smoke
#: tests would heal it within seconds.
SLOW_CRASH_HEALING = {"policy": {"disabled": ["critical_error", "api_error_batch"]},
                      "workflows": {"disabled": ["kernel_crash_response"]}, "test_quality": {"enabled": False}}


def scenario(*, workload: list[dict], faults: list[dict] = (), stack: dict | None = None,
             duration: str = "60s", **fields) -> dict:
    """A scenario document of ``duration`` simulated seconds, on four workers unless ``stack`` says otherwise."""
    stack = dict(stack or {})
    stack["htm"] = {"workers": 4, **stack.get("htm", {})}
    return {"name": "effect", "duration": duration, "stack": stack, "workload": list(workload),
            "faults": list(faults), **fields}


def run(document: dict, seed: int = 1) -> RunResult:
    return run_scenario(Scenario.model_validate(document), seed=seed)


def count(result: RunResult, key: str) -> int:
    """One of the journal's counts (0 when the run never counted it)."""
    return result.journal.counts.counter(key)


def outcomes(result: RunResult, outcome: str) -> int:
    return result.journal.counts.tasks[outcome]


def fired(result: RunResult, safeguard: str) -> int:
    return result.journal.safeguards.fired.get(safeguard, 0)


def fault_row(result: RunResult, kind: str) -> pd.Series:
    """The ``faults`` row of the run's only fault of ``kind``."""
    faults = result.tables["faults"]
    rows = faults[faults["kind"] == kind]
    assert len(rows) == 1, f"expected one {kind} row, got {len(rows)}"
    return rows.iloc[0]


def window(frame: pd.DataFrame, column: str, start: float, end: float) -> pd.DataFrame:
    """Rows of ``frame`` whose ``column`` lies in [start, end)."""
    return frame[(frame[column] >= start) & (frame[column] < end)]


def switched(document: dict, path: str, enabled: bool) -> dict:
    """``document`` with the safeguard at ``path`` (dotted, under ``stack``) switched on or off."""
    stack = copy.deepcopy(document.get("stack", {}))
    section = stack
    for key in path.split("."):
        section = section.setdefault(key, {})
    section["enabled"] = enabled
    return {**document, "stack": stack}


def probe(result: RunResult, name: str) -> ProbeResult:
    """The journal entry of the run's first probe of kind ``name``."""
    return next(entry for entry in result.journal.probes if entry.kind == name)


def held(result: RunResult, invariant: str) -> bool:
    return result.journal.invariants[invariant].held
