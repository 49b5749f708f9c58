"""Running one scenario at one level with one seed."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import simpy

from chaosbench.orchestration.core.errors import DefinitionError
from chaosbench.orchestration.stack import Stack
from chaosbench.sim.faults import FAULTS, record, schedule
from chaosbench.sim.run.journal import build_journal
from chaosbench.sim.run.runtime import SimRuntime
from chaosbench.sim.run.sampler import start_sampler
from chaosbench.sim.scenario.loader import Problem, ScenarioError
from chaosbench.sim.scenario.model import Scenario
from chaosbench.sim.workloads.events import start_event_stream
from chaosbench.sim.workloads.tasks import start_task_workload

#: Called with the simulated time reached, as the run advances.
ProgressHook = Callable[[float], None]


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
    """Simulate ``scenario`` for its duration, inject its faults and judge the run.

    Raises ScenarioError when the stack configuration cannot be built (a bad
    workflow or rules file named in it).
    """
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
            start_event_stream(runtime, stack, item.events, f"workload.{index}", scenario.duration)
    faults = [FAULTS[entry.name](stack, entry.params, entry.at, index) for index, entry in enumerate(scenario.faults)]
    schedule(faults)
    start_sampler(stack, scenario.stack.sample_interval)
    events = advance(runtime.env, scenario.duration, progress)
    stack.close()
    record(faults)
    tables = {name: table.frame() for name, table in runtime.recorder.tables.items()}
    journal = build_journal(scenario, runtime, stack, tables, seed=seed, level=level, file=file)
    journal["events_processed"] = events
    journal["reproduce"] = reproduce_command(file or f"{scenario.name}.yaml", seed, level)
    journal["wall_time_s"] = round(time.perf_counter() - started, 3)
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
