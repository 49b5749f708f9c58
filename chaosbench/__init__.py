"""chaosbench: a chaos and simulation testbench for an event-driven orchestration stack.

The public interface is the names in ``__all__``:

* :func:`run` makes one run of a scenario and :func:`suite` runs every scenario
  of a suite file or folder, in memory unless asked to write run directories;
  :func:`load_scenario` reads and validates a scenario file, raising
  :class:`ScenarioError` with every problem found in it.
* :class:`RunResult` (the journal and the tables of one run), :class:`SuiteResult`
  and :class:`Scenario` are what those return.
* :func:`ablate` runs a scenario with each expected safeguard off against its
  control on the same seeds and returns the ablation table.
* ``load_runs``, ``load_probes``, ``load_tasks``, ``load_counts``,
  ``load_safeguards``, ``load_table`` and ``load_memory`` read results as pandas
  DataFrames (priorities an ordered categorical, outcomes categorical, lists as
  lists, bounds as numbers, booleans as booleans);
  ``write_reports`` writes the HTML, Markdown and JUnit reports; ``figures``
  draws matplotlib figures of results.

Everything else, the modules below ``chaosbench.sim``,
``chaosbench.orchestration`` and ``chaosbench.reports`` included, is internal
and may change without notice. Importing this package loads none of them: each
name is imported on first use, so ``import chaosbench`` stays fast and never
loads matplotlib or the simulation.
"""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from chaosbench.reports import (
        figures,
        load_counts,
        load_memory,
        load_probes,
        load_runs,
        load_safeguards,
        load_table,
        load_tasks,
        write_reports,
    )
    from chaosbench.sim.run.record import RunResult
    from chaosbench.sim.scenario.loader import ScenarioError, load_scenario
    from chaosbench.sim.scenario.model import Scenario

__all__ = [
    "RunResult", "Scenario", "ScenarioError", "SuiteResult", "ablate", "figures", "load_counts", "load_memory",
    "load_probes", "load_runs", "load_safeguards", "load_scenario", "load_table", "load_tasks", "run", "suite",
    "write_reports",
]

_REPORTS = ("load_counts", "load_memory", "load_probes", "load_runs", "load_safeguards", "load_table", "load_tasks",
            "write_reports")


def run(scenario: str | os.PathLike[str] | Scenario, *, seed: int = 1, level: int = 0,
        set: Mapping[str, object] | None = None, without: Sequence[str] = (),
        out: str | os.PathLike[str] | None = None) -> RunResult:
    """Run ``scenario`` at difficulty ``level`` with ``seed`` and return its journal and tables.

    ``scenario`` is a scenario file, or a :class:`Scenario` already loaded, which runs as it is: it
    carries the level it was loaded at, so pass that level too, for the journal and its reproduce
    command. ``set`` maps dotted field paths of the file to values (``{"stack.htm.workers": 8}``), the
    overrides of ``chaosbench run --set``; ``without`` names safeguards to turn off (``"all"`` for every
    one), as ``--without`` does; both need a file. Nothing is written unless ``out`` names a run
    directory to write. A file that cannot be used raises :class:`ScenarioError` naming it.
    """
    from chaosbench.sim.checks.safeguards import check_safeguard, safeguards_off
    from chaosbench.sim.run.runner import run_scenario
    from chaosbench.sim.run.streaming import run_to_dir
    from chaosbench.sim.scenario.loader import read_yaml
    from chaosbench.sim.scenario.model import Scenario
    from chaosbench.sim.scenario.overrides import scenario_at

    overrides = dict(set or {})
    off = safeguards_off([check_safeguard(name, option="without", allow_all=True) for name in without])
    file = ""
    if isinstance(scenario, Scenario):
        if overrides or off:
            raise ValueError("set= and without= change a scenario file: pass the file, not a loaded Scenario")
        loaded = scenario
    else:
        file = os.fspath(scenario)
        loaded = scenario_at(read_yaml(file), overrides.items(), file, level, off)
    if out is not None:
        return run_to_dir(loaded, Path(out), seed=seed, level=level, file=file, settings=list(overrides.items()),
                          without=off)
    return run_scenario(loaded, seed=seed, level=level, file=file, settings=list(overrides.items()), without=off)


@dataclass(frozen=True)
class SuiteResult:
    """The runs of a suite, in order: each scenario in turn, with seeds 1..K."""

    runs: tuple[RunResult, ...]

    @property
    def passed(self) -> bool:
        """Every run is ok by the one canary rule: it passed, or it is a canary that failed, as it must (and a
        canary that passed makes this false), as ``chaosbench suite`` exits."""
        return all(result.journal.ok for result in self.runs)


def suite(suite_or_folder: str | os.PathLike[str], *, seeds: int = 1, level: int = 0,
          out: str | os.PathLike[str] | None = None) -> SuiteResult:
    """Run every scenario of a suite file, of a folder (suite files in it are skipped) or one scenario file.

    Each scenario runs at ``level`` with seeds 1..``seeds``. Every file is validated before anything
    runs: bad ones raise one :class:`ScenarioError` naming each bad file. Nothing is written unless
    ``out`` names a folder, which then receives a run directory ``<scenario>/level<L>-seed<S>`` per
    run, as ``chaosbench suite --out`` writes them.
    """
    from chaosbench.sim.difficulty.batch import resolve_targets
    from chaosbench.sim.run.layout import default_run_dir
    from chaosbench.sim.run.runner import run_scenario
    from chaosbench.sim.run.streaming import run_to_dir
    from chaosbench.sim.scenario.loader import load_scenario

    runs = []
    for target in resolve_targets(Path(suite_or_folder)):
        scenario = target.scenario if level == 0 else load_scenario(target.file, level)
        for seed in range(1, seeds + 1):
            if out is None:
                runs.append(run_scenario(scenario, seed=seed, level=level, file=str(target.file)))
            else:
                runs.append(run_to_dir(scenario, default_run_dir(scenario.name, level, seed, Path(out)), seed=seed,
                                       level=level, file=str(target.file)))
    return SuiteResult(tuple(runs))


def ablate(scenario: str | os.PathLike[str], *, seeds: int | Sequence[int] = 3,
           everything_fired: bool = False) -> pd.DataFrame:
    """What each safeguard of ``scenario`` (a file) buys: the control, every safeguard off (``all_off``) and each
    expected safeguard off alone (with ``everything_fired``, also each one the control fired), on the same seeds
    (``3`` for 1..3, or a list), as ``chaosbench ablate`` runs them.

    Returns the ablation table, one row per experiment and probe: the control's and the experiment's means, their
    paired difference with its 95% interval, the seeds passed in each arm, whether a seed's verdict flipped
    (``mattered``) and the invariants broken (the columns of ``ablation.parquet``).
    """
    from chaosbench.sim.sweep.ablation import ablate as run_ablation
    from chaosbench.sim.sweep.ablation import table

    chosen = range(1, seeds + 1) if isinstance(seeds, int) else list(seeds)
    return table([run_ablation(os.fspath(scenario), chosen, everything_fired=everything_fired)])


def __getattr__(name: str) -> object:
    """The re-exported names, each imported on first use (see the module docstring)."""
    if name in _REPORTS:
        from chaosbench import reports

        return getattr(reports, name)
    if name == "figures":
        from chaosbench.sim.spec.extras import require

        require("matplotlib", "report", "chaosbench.figures")
        from chaosbench.reports import figures

        return figures
    if name == "RunResult":
        from chaosbench.sim.run.record import RunResult

        return RunResult
    if name == "Scenario":
        from chaosbench.sim.scenario.model import Scenario

        return Scenario
    if name in ("ScenarioError", "load_scenario"):
        from chaosbench.sim.scenario import loader

        return getattr(loader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
