"""Running one scenario at one level with one seed, and building its journal (DESIGN §4)."""
from __future__ import annotations

import functools
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from typing import Callable

import pandas as pd
import simpy

from orchestration.errors import DefinitionError
from orchestration.stack import Stack
from orchestration.tasks import OUTCOMES

from .catalogue import SAFEGUARDS
from .invariants import check_invariants
from .loader import Problem, ScenarioError
from .probes import Observed, evaluate
from .runtime import SimRuntime
from .sampler import start_sampler
from .scenario import Scenario
from .event_workload import start_event_stream
from .workload import start_task_workload

#: Called with the simulated time reached, as the run advances.
ProgressHook = Callable[[float], None]

#: Faults that have an injector; the loader knows the whole catalogue.
INJECTORS: dict[str, Callable] = {}


@dataclass
class RunResult:
    """The journal and the tables of one finished run."""

    journal: dict
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return bool(self.journal["passed"])


def reproduce_command(file: str, seed: int, level: int) -> str:
    """The one command that reruns a run."""
    return f"chaosbench run {file} --seed {seed} --level {level}"


def run_scenario(scenario: Scenario, *, seed: int, level: int = 0, file: str = "",
                 progress: ProgressHook | None = None) -> RunResult:
    """Simulate ``scenario`` for its duration and judge it; raises ScenarioError for faults it cannot inject."""
    missing = [Problem(f"faults[{i}]", f"fault {f.kind!r} cannot be injected by this version of chaosbench")
               for i, f in enumerate(scenario.faults) if f.kind not in INJECTORS]
    if missing:
        raise ScenarioError(file or scenario.name, missing)
    started = time.perf_counter()
    runtime = SimRuntime(seed)
    try:
        stack = Stack(runtime, scenario.stack)
    except DefinitionError as exc:
        raise ScenarioError(file or scenario.name, [Problem("stack", exc.describe())]) from None
    for index, item in enumerate(scenario.workload):
        if item.tasks is not None:
            start_task_workload(stack, item.tasks, index, scenario.duration)
        else:
            start_event_stream(runtime, stack, item.events, index, scenario.duration)
    start_sampler(stack, scenario.stack.sample_interval)
    events = advance(runtime.env, scenario.duration, progress)
    stack.close()

    tables = {name: table.frame() for name, table in runtime.recorder.tables.items()}
    tasks = tables["tasks"]
    seen = Observed(tasks=tasks, timeseries=tables["timeseries"], warmup=scenario.warmup, end=scenario.duration)
    probes = [evaluate(entry.name, entry.params, seen) for entry in scenario.steady_state]
    invariants = check_invariants(runtime, stack, tasks)
    counts = runtime.recorder.counts
    fired = {name: counts[f"safeguard.{name}"] for name in SAFEGUARDS if counts.get(f"safeguard.{name}")}
    outcomes = tasks["outcome"].value_counts()
    journal = {
        "scenario": scenario.name,
        "file": file,
        "seed": seed,
        "level": level,
        "parameters": scenario.model_dump(mode="json"),
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
        "wall_time_s": round(time.perf_counter() - started, 3),
        "events_processed": events,
        "reproduce": reproduce_command(file or f"{scenario.name}.yaml", seed, level),
        "versions": versions(),
    }
    return RunResult(journal, tables)


def advance(env: simpy.Environment, until: float, progress: ProgressHook | None = None) -> int:
    """Process every event before ``until``, then set the clock to ``until``; the number processed."""
    step, peek = env.step, env.peek
    processed = 0
    if progress is None:
        while peek() < until:
            step()
            processed += 1
    else:
        while peek() < until:
            step()
            processed += 1
            if not processed & 0x3FFF:
                progress(env.now)
        progress(until)
    env.run(until=until)
    return processed


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
