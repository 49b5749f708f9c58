"""Running many scenarios: resolving what to run, and running, writing and recording each run."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from chaosbench.sim.difficulty.memory import MemoryDB
from chaosbench.sim.difficulty.recording import RunRecord, record_run
from chaosbench.sim.run.layout import default_run_dir
from chaosbench.sim.run.record import RunResult
from chaosbench.sim.run.runner import Setting
from chaosbench.sim.run.streaming import run_to_dir
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
    """One finished run of a batch."""

    target: Target
    result: RunResult
    run_dir: Path
    record: RunRecord | None


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
    if without or settings:
        scenario = scenario_at(read_yaml(target.file), settings, str(target.file), level, without)
    else:
        scenario = target.scenario if level == 0 else load_scenario(target.file, level)
    run_dir = default_run_dir(scenario.name, level, seed, out_root)
    result = run_to_dir(scenario, run_dir, seed=seed, level=level, file=str(target.file), settings=settings,
                        without=without, force=force)
    record = record_run(db, result, scenario, when=when, run_dir=run_dir, round=round) if db else None
    return Outcome(target, result, run_dir, record)
