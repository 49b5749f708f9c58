"""Running one scenario at one level with one seed."""
from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import simpy
import yaml

from chaosbench.orchestration.core.errors import DefinitionError
from chaosbench.orchestration.stack import Stack
from chaosbench.sim.faults import FAULTS, record, schedule
from chaosbench.sim.run.journal import build_journal
from chaosbench.sim.run.provenance import now
from chaosbench.sim.run.record import RunResult
from chaosbench.sim.run.runtime import SimRuntime, TableSink
from chaosbench.sim.run.sampler import Sampler
from chaosbench.sim.scenario.budget import sampling_interval, sampling_note
from chaosbench.sim.scenario.loader import Problem, ScenarioError
from chaosbench.sim.scenario.model import Scenario
from chaosbench.sim.scenario.overrides import run_command, setting_arguments
from chaosbench.sim.workloads.events import start_event_stream
from chaosbench.sim.workloads.intents import start_intent_workload
from chaosbench.sim.workloads.tasks import start_task_workload

#: Called with the simulated time reached, as the run advances.
ProgressHook = Callable[[float], None]
#: Fewest events a run processes between two calls of its progress hook (made when it takes a sample).
_REPORT_EVERY = 1 << 14
#: Allocations between two scans of the youngest objects while a run advances (see _collector_set_for_a_run).
_YOUNG_COLLECTION = 100_000
#: A ``--set`` override: a dotted path of the scenario document and the value put there.
Setting = tuple[str, Any]


def reproduce_command(file: str, seed: int, level: int, settings: Sequence[Setting] = (),
                      without: Sequence[str] = ()) -> str:
    """The one command that reruns a run, with a ``--set PATH=VALUE`` per setting and the ``--without``
    (or ``--only``) switches of the safeguards turned off, quoted for a shell."""
    sets = [f"{path}={setting_text(value)}" for path, value in settings]
    return run_command(file, ["--seed", str(seed), "--level", str(level), *setting_arguments(sets, without)])


def setting_text(value: Any) -> str:
    """``value`` as a ``--set`` value, which is read as YAML: a string as it is when YAML reads it back
    unchanged, anything else (and strings such as ``off`` or ``7``) in YAML's flow style."""
    if isinstance(value, str) and _reads_back(value):
        return value
    text: str = yaml.safe_dump(value, default_flow_style=True, width=2**16)
    return text.removesuffix("\n...\n").strip()


def _reads_back(text: str) -> bool:
    try:
        return bool(yaml.safe_load(text) == text)
    except yaml.YAMLError:
        return False


def run_scenario(scenario: Scenario, *, seed: int, level: int = 0, file: str = "",
                 settings: Sequence[Setting] = (), without: Sequence[str] = (),
                 progress: ProgressHook | None = None, runtime: SimRuntime | None = None,
                 attach: Callable[[Stack], None] | None = None, sink: TableSink | None = None) -> RunResult:
    """Simulate ``scenario`` for its duration, inject its faults and judge the run.

    ``settings`` are the ``--set`` overrides ``scenario`` was built with and
    ``without`` the safeguards it has turned off by name (see
    :func:`sim.scenario.overrides.scenario_at`): the journal's reproduce
    command repeats them, and its parameters list ``without`` as
    ``safeguards_off`` (absent when none is). Raises ScenarioError when the stack
    configuration cannot be built (a bad workflow or rules file named in it).

    ``runtime`` is the runtime to run in (a fresh one of ``seed`` by default);
    ``attach`` is called with the built stack once the workloads and faults
    are scheduled, before time starts (a drill injects its incidents and
    watches the stack's answers from there). With a ``sink`` the fresh
    runtime's tables stream into it as they fill (see
    :mod:`sim.run.streaming`), and the result holds no table.
    """
    started, started_at = time.perf_counter(), now()
    runtime = runtime if runtime is not None else SimRuntime(seed, sink=sink)
    try:
        stack = Stack(runtime, scenario.stack)
    except DefinitionError as exc:
        raise ScenarioError(file or scenario.name, [Problem("stack", exc.describe())]) from None
    for index, item in enumerate(scenario.workload):
        if item.tasks is not None:
            start_task_workload(stack, item.tasks, index, scenario.duration)
        elif item.events is not None:
            start_event_stream(runtime, stack, item.events, f"workload.{index}", scenario.duration)
        elif item.intents is not None:
            start_intent_workload(stack, item.intents, index, scenario.duration)
    faults = [FAULTS[entry.name](stack, entry.params, entry.at, index) for index, entry in enumerate(scenario.faults)]
    schedule(faults)
    sampler = Sampler(stack, sampling_interval(scenario))
    if attach is not None:
        attach(stack)
    events = advance(runtime.env, scenario.duration, progress, sampler)
    stack.close()
    record(faults)
    rows = runtime.recorder.finish()
    reproduce = reproduce_command(file or f"{scenario.name}.yaml", seed, level, settings, without)
    journal = build_journal(scenario, runtime, stack, rows, seed=seed, level=level, file=file,
                            reproduce=reproduce, events_processed=events, started=started, started_at=started_at)
    if without:
        journal = journal.model_copy(update={"parameters": {**journal.parameters, "safeguards_off": list(without)}})
    note = sampling_note(scenario)
    if note is not None:
        journal = journal.model_copy(update={"aggregated": {**journal.aggregated, "timeseries": note}})
    return RunResult(journal, {} if sink is not None else {name: table.frame() for name, table in rows.items()})


def advance(env: simpy.Environment, until: float, progress: ProgressHook | None = None,
            sampler: Sampler | None = None) -> int:
    """Process every event before ``until``, then set the clock to ``until``; the number processed.

    A ``sampler`` takes each of its samples due before ``until`` once every
    event at its time has happened, before any later one. ``progress`` hears
    of the time reached at a sample every few thousand events, and at the end.
    """
    step, peek = env.step, env.peek
    processed = reported = 0
    with _collector_set_for_a_run():
        while True:
            due = sampler.due if sampler is not None else math.inf
            sampling = due < until
            # Up to and including the sample's time: the next float after it is the first time left out.
            bound = math.nextafter(due, math.inf) if sampling else until
            while peek() < bound:
                step()
                processed += 1
            if sampler is None or not sampling:
                break
            sampler.take()
            if progress is not None and processed - reported > _REPORT_EVERY:
                progress(env.now)
                reported = processed
        if progress is not None:
            progress(until)
        env.run(until=until)
    return processed


@contextmanager
def _collector_set_for_a_run() -> Iterator[None]:
    """While the run advances, keep every object older than the run out of the garbage collector's scans, and
    scan the youngest objects every :data:`_YOUNG_COLLECTION` allocations instead of Python's 700.

    A run keeps objects alive as it goes (its audit log, tasks waiting for
    their SLA timers), which sets off full collections; each would walk
    every module, class and schema the process has loaded too. Frozen, they
    are skipped, and they are collectable again once the run has advanced.
    Objects someone else froze stay frozen. A run also makes short-lived
    objects by the million (events, payloads, timers), nearly all freed by
    their reference counts; scanning them 700 at a time cost a tenth of an
    event-heavy run. The collector's thresholds are put back afterwards.
    """
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], _YOUNG_COLLECTION), *thresholds[1:])
    frozen_here = not gc.get_freeze_count()
    if frozen_here:
        gc.freeze()
    try:
        yield
    finally:
        if frozen_here:
            gc.unfreeze()
        gc.set_threshold(*thresholds)
