"""Running many scenarios: resolving what to run, and running, writing and recording each run.

A batch's runs may be carried out by an executor (serial, local processes
or Dask: :func:`run_jobs`). Each run writes its own run directory wherever
it executes (on a Dask cluster, the run folder must be one the workers
share); the memory database is written only by the calling process, in the
order of the jobs, as soon as every earlier job is done, so a parallel batch
records exactly what the same batch run one job at a time records.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from chaosbench.sim.difficulty.memory import MemoryDB
from chaosbench.sim.difficulty.recording import RunRecord, record_run
from chaosbench.sim.parallel.executors import Executor, WorkFailed
from chaosbench.sim.run.layout import default_run_dir
from chaosbench.sim.run.record import RunResult
from chaosbench.sim.run.runner import Setting
from chaosbench.sim.run.streaming import run_to_dir
from chaosbench.sim.scenario.budget import expected_events
from chaosbench.sim.scenario.discovery import is_drill, is_suite, load_suite, yaml_files
from chaosbench.sim.scenario.loader import Problem, ScenarioError, ScenarioErrors, load_scenario, read_yaml
from chaosbench.sim.scenario.model import Scenario
from chaosbench.sim.scenario.overrides import scenario_at


@dataclass(frozen=True)
class Target:
    """One scenario file to run, with its level-0 model."""

    file: Path
    scenario: Scenario


@dataclass(frozen=True)
class Outcome:
    """One finished run of a batch; ``record`` is its row in the memory database once recorded."""

    target: Target
    result: RunResult
    run_dir: Path
    record: RunRecord | None


@dataclass(frozen=True)
class Job:
    """One run of a batch as plain data, which an executor can send to another process: the scenario file,
    the seed and level, where run directories go, and the safeguards off and ``--set`` overrides."""

    file: Path
    seed: int
    level: int
    out_root: Path
    without: tuple[str, ...] = ()
    settings: tuple[Setting, ...] = ()
    force: bool = False


def resolve_targets(source: str | Path) -> list[Target]:
    """The scenarios of a suite file, of a folder (its incident files left out), or a single scenario file; all
    validated first.

    Every bad file is reported before anything runs: one ScenarioError whose
    problems name each file. Two scenarios of one name are refused too: they
    would write the same run directories.
    """
    source = Path(source)
    if source.is_dir():
        files = [path for path in yaml_files([source])
                 if not is_suite(document := read_yaml(path)) and not is_drill(path, document)]
    elif is_suite(read_yaml(source)):
        files = load_suite(source)[1]
    else:
        files = [source]
    targets, errors = [], []
    for file in files:
        try:
            targets.append(Target(file, load_scenario(file)))
        except ScenarioError as exc:
            errors.append(exc)
    errors.extend(_name_collisions(targets))
    if errors:
        raise ScenarioErrors(errors)
    return targets


def _name_collisions(targets: list[Target]) -> list[ScenarioError]:
    """A problem for each scenario whose name an earlier one has: their run directories would be the same."""
    first: dict[str, Path] = {}
    errors = []
    for target in targets:
        earlier = first.setdefault(target.scenario.name, target.file)
        if earlier is not target.file:
            what = "the same file, listed twice" if earlier == target.file else f"the name of {earlier}"
            errors.append(ScenarioError(target.file, [Problem("name", (
                f"{target.scenario.name!r} is also {what}: their runs would write the same run directories")) ]))
    return errors


def run_target(target: Target, *, seed: int, level: int, out_root: Path, db: MemoryDB | None,
               when: str, round: int | None = None, without: Sequence[str] = (),
               settings: Sequence[Setting] = (), force: bool = False) -> Outcome:
    """Run ``target`` at ``level`` with ``seed``, the ``--set`` overrides ``settings`` and the safeguards
    ``without`` off, straight into its run directory (see :func:`sim.run.rundir.staged_run` for ``force``), and
    record it."""
    job = Job(target.file, seed, level, out_root, tuple(without), tuple(settings), force)
    return settle(target, job, carry_out(job, target), db, when=when, round=round)


def carry_out(job: Job, target: Target | None = None) -> RunResult:
    """Run ``job`` into its run directory (``target``, when given, saves reading its file again)."""
    scenario = _scenario(job, target)
    return run_to_dir(scenario, run_dir(job, scenario.name), seed=job.seed, level=job.level, file=str(job.file),
                      settings=job.settings, without=job.without, force=job.force)


def settle(target: Target, job: Job, result: RunResult, db: MemoryDB | None, *, when: str,
           round: int | None = None) -> Outcome:
    """The outcome of ``job`` (a run of ``target`` that gave ``result``), recorded in ``db`` as of ``when``."""
    directory = run_dir(job, result.journal.scenario)
    row = record_run(db, result, _scenario(job, target), when=when, run_dir=directory, round=round) if db else None
    return Outcome(target, result, directory, row)


def run_dir(job: Job, scenario: str) -> Path:
    """The run directory of ``job``, a run of the scenario named ``scenario``."""
    return default_run_dir(scenario, job.level, job.seed, job.out_root)


def _scenario(job: Job, target: Target | None) -> Scenario:
    if job.without or job.settings:
        return scenario_at(read_yaml(job.file), job.settings, str(job.file), job.level, job.without)
    if target is not None and job.level == 0:
        return target.scenario
    return load_scenario(job.file, job.level)


#: Called with how many jobs have finished and the result of the one that just did.
Finished = Callable[[int, RunResult], None]


def run_jobs(jobs: Sequence[tuple[Target, Job]], executor: Executor, *, db: MemoryDB | None, when: str,
             finished: Finished | None = None) -> list[Outcome]:
    """Carry out every job (a run of its target) on ``executor``; the outcomes in the order of ``jobs``, each
    recorded in ``db`` in that order.

    Several workers are handed the jobs longest first (by the simulation events their scenario is expected to
    cause), so that none is left with a long run while the others stand idle at the end.
    """
    done: dict[int, RunResult] = {}
    outcomes: list[Outcome] = []
    items = [(index, job) for index, (_, job) in enumerate(jobs)]
    if executor.workers > 1:
        items.sort(key=lambda item: -expected_events(jobs[item[0]][0].scenario))
    for count, ((index, job), result) in enumerate(executor.run(_carry_out, items), start=1):
        done[index] = result
        if finished is not None:
            finished(count, result)
        while len(outcomes) in done:
            target, job = jobs[len(outcomes)]
            outcomes.append(settle(target, job, done.pop(len(outcomes)), db, when=when))
    return outcomes


def job_key(batch: str | None = None) -> Callable[[tuple[int, Job]], str]:
    """Names for a batch's jobs on a Dask cluster: unique to this batch, so no earlier result is reused."""
    token = batch or uuid.uuid4().hex[:12]
    return lambda item: f"chaosbench-run-{token}-{item[0]}-{item[1].file.stem}-seed{item[1].seed}"


def _carry_out(item: tuple[int, Job]) -> RunResult:
    try:
        return carry_out(item[1])
    except ScenarioError as exc:  # its problems do not cross a process boundary; its text does
        raise WorkFailed(exc.render()) from None
