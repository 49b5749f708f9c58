"""Property-based search for the smallest fault schedule that breaks a scenario.

:func:`explore` asks Hypothesis for fault schedules from the scenario's
:class:`~sim.fault_space.FaultSpace`, runs each one, and calls it a failure
when any steady-state probe or invariant does not hold. Each probe's margin
to its bound is a ``hypothesis.target``, which steers the search toward
schedules that bring probes closer to failing. A failure is shrunk by
Hypothesis, then made minimal by removing faults one at a time until
removing any one of them makes the run pass. Failing schedules are kept in a
Hypothesis example database and replayed first by the next search.

Every example of a search runs with one simulation seed derived from the
search seed and the scenario name, so whether a schedule fails depends on
the schedule alone, and the same search seed gives the same result.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, Phase, Verbosity, given, settings, target
from hypothesis import seed as hypothesis_seed
from hypothesis.database import DirectoryBasedExampleDatabase
from hypothesis.strategies import SearchStrategy

from chaosbench.sim.explore import DEFAULT_DATABASE
from chaosbench.sim.explore.space import FaultSpace, Schedule, kind_of, read_document
from chaosbench.sim.run.record import Journal, ProbeResult
from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.run.runtime import derive_seed
from chaosbench.sim.scenario.loader import scenario_from_document
from chaosbench.sim.scenario.model import Scenario
from chaosbench.sim.scenario.overrides import run_command

#: Where the CLI keeps failing examples between searches.
#: Margins are clipped to this size, so one wild probe cannot dominate the search's targets.
_MARGIN_CLIP = 1e3


@dataclass
class Tally:
    """How a search is going: examples tried before the first failure, runs while shrinking, failures seen."""

    budget: int
    examples: int = 0
    shrink_runs: int = 0
    failures: int = 0
    runs: int = 0
    timed_out: bool = False

    @property
    def shrinking(self) -> bool:
        return self.failures > 0


#: Called after every example with the tally so far.
ProgressHook = Callable[[Tally], None]


@dataclass
class ExploreResult:
    """The outcome of a search; ``minimal`` is None when no schedule failed."""

    scenario: str
    seed: int
    sim_seed: int
    tally: Tally
    minimal: Schedule | None = None
    document: dict[str, Any] | None = None
    journal: Journal | None = None
    removals: list[dict[str, Any]] = field(default_factory=list)
    out: Path | None = None
    database: str | None = None
    wall_time_s: float = 0.0

    @property
    def found(self) -> bool:
        return self.minimal is not None

    @property
    def reproduce(self) -> str | None:
        """The command that reruns the minimal failing schedule, once it is written to a file."""
        return run_command(str(self.out), ["--seed", str(self.sim_seed)]) if self.found and self.out else None

    def failed_checks(self) -> list[str]:
        """The probes and invariants that did not hold under the minimal schedule."""
        if self.journal is None:
            return []
        probes = [f"probe {probe.describe()}" for probe in self.journal.failed_probes]
        invariants = [f"invariant {name}: {check.detail}" for name, check in self.journal.broken_invariants.items()]
        return probes + invariants

    def write(self, path: str | Path) -> Path:
        """Write the minimal failing schedule as a standalone scenario file; ``path``."""
        if self.document is None:
            raise ValueError("no failing schedule to write")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(self.document, sort_keys=False), encoding="utf-8")
        self.out = path
        return path

    def summary(self) -> dict[str, Any]:
        """Everything a report needs, as plain JSON data."""
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "sim_seed": self.sim_seed,
            "budget": self.tally.budget,
            "examples": self.tally.examples,
            "shrink_runs": self.tally.shrink_runs,
            "runs": self.tally.runs,
            "failures": self.tally.failures,
            "timed_out": self.tally.timed_out,
            "found": self.found,
            "minimal": self.minimal.as_dict() if self.minimal is not None else None,
            "failed_checks": self.failed_checks(),
            "removals": self.removals,
            "out": str(self.out) if self.out else None,
            "reproduce": self.reproduce,
            "database": self.database,
            "wall_time_s": round(self.wall_time_s, 3),
        }


def explore(scenario: str | Path | Scenario, *, budget: int = 100, seed: int = 0, out: str | Path | None = None,
            database: str | Path | None = DEFAULT_DATABASE, progress: ProgressHook | None = None,
            kinds: Sequence[str] | None = None, deadline: float | None = None) -> ExploreResult:
    """Search ``budget`` fault schedules of ``scenario`` (a file or a model) for one that fails it.

    With a failure, the result holds the minimal schedule, its scenario
    document (named ``<name>_explored``) and journal, and the check that
    removing each of its faults makes the run pass; with ``out`` the document
    is written there. ``database`` is the folder of the example database
    (None keeps nothing). ``kinds`` keeps only those fault kinds of the
    explore section. ``deadline`` (a ``time.time()`` reading) stops the search
    from trying new schedules once it has passed: a failure already found is
    still made minimal; the tally says whether time ran out. Raises
    ScenarioError for a bad file or explore section.
    """
    started = time.perf_counter()
    file, document, model = _source(scenario)
    space = FaultSpace(document, model, file, kinds)
    name = f"{model.name}_explored"
    sim_seed = derive_seed(seed, f"explore:{model.name}") % 2**31
    tally = Tally(budget)
    outcomes: dict[str, Journal] = {}

    def run(schedule: Schedule) -> Journal:
        key = schedule.key()
        if key not in outcomes:
            _, built = space.scenario_for(schedule, name)
            outcomes[key] = run_scenario(built, seed=sim_seed, file=file).journal
            tally.runs += 1
        return outcomes[key]

    def fails(schedule: Schedule) -> bool:
        if deadline is not None and time.time() >= deadline:
            tally.timed_out = True
            raise _TimeUp
        journal = run(schedule)
        failed = not journal.passed
        if tally.failures:
            tally.shrink_runs += 1
        else:
            tally.examples += 1
        tally.failures += failed
        for index, measured in enumerate(journal.probes):
            margin = probe_margin(measured)
            if not math.isnan(margin):
                target(-margin, label=f"{index}:{measured.kind}")
        if progress is not None:
            progress(tally)
        return failed

    store = DirectoryBasedExampleDatabase(str(Path(database) / model.name)) if database is not None else None
    search = settings(max_examples=budget, database=store, deadline=None, verbosity=Verbosity.quiet,
                      suppress_health_check=list(HealthCheck), report_multiple_bugs=False,
                      phases=(Phase.reuse, Phase.generate, Phase.target, Phase.shrink))
    result = ExploreResult(model.name, seed, sim_seed, tally, database=str(store.path) if store else None)
    shrunk = _search(space.strategy(), fails, search, seed)
    if shrunk is not None:
        minimal, removals = _minimise(shrunk, lambda s: run(s).passed)
        result.minimal, result.removals = minimal, removals
        document, _ = space.scenario_for(minimal, name)
        result.document = _described(document, model.name, seed, sim_seed)
        result.journal = run(minimal)
        if out is not None:
            result.write(out)
    result.wall_time_s = time.perf_counter() - started
    return result


class _Failing(Exception):
    """Raised inside the search for a failing schedule, so that Hypothesis shrinks it."""


class _TimeUp(BaseException):
    """Raised inside the search once its deadline has passed: a BaseException, so Hypothesis neither shrinks
    nor reports it, and the search ends at once."""


def _search(strategy: SearchStrategy[Schedule], fails: Callable[[Schedule], bool], search: settings,
            seed: int) -> Schedule | None:
    """The shrunk failing schedule of a seeded Hypothesis search, or None.

    ``hypothesis.seed`` turns the example database off, so the search's own
    settings (with the database) are applied after it.
    """
    failing: list[Schedule] = []

    @given(strategy)
    def check(schedule: Schedule) -> None:
        if fails(schedule):
            failing[:] = [schedule]
            raise _Failing

    try:
        search(hypothesis_seed(seed)(check))()
    except _Failing:
        return failing[-1]
    except _TimeUp:
        return failing[-1] if failing else None
    return None


def probe_margin(probe: ProbeResult) -> float:
    """How far the probe's value is inside its bound, relative to the bound's size; negative when it fails."""
    if math.isnan(probe.margin):
        return math.nan
    relative = probe.margin / max(abs(probe.bound.value), 1.0)
    return max(-_MARGIN_CLIP, min(_MARGIN_CLIP, relative))


def _minimise(schedule: Schedule, passes: Callable[[Schedule], bool]) -> tuple[Schedule, list[dict[str, Any]]]:
    """Drop faults whose removal still fails until removing any one passes; the schedule and each removal."""
    while True:
        removals = []
        for index, entry in enumerate(schedule.faults):
            passed = passes(schedule.without(index))
            removals.append({"removed": index, "kind": kind_of(entry), "at": entry["at"], "passed": passed})
            if not passed:
                schedule = schedule.without(index)
                break
        else:
            return schedule, removals


def _source(scenario: str | Path | Scenario) -> tuple[str, dict[str, Any], Scenario]:
    if isinstance(scenario, Scenario):
        document = scenario.model_dump(mode="json", by_alias=True, exclude_none=True, exclude={"explore"})
        if scenario.explore is not None:
            document["explore"] = scenario.explore.model_dump(mode="json", by_alias=True, exclude_none=True)
        return f"{scenario.name}.yaml", document, scenario
    document = read_document(scenario)
    return str(scenario), document, scenario_from_document(document, scenario)


def _described(document: dict[str, Any], name: str, seed: int, sim_seed: int) -> dict[str, Any]:
    """``document`` with a description of where it came from, placed after the name and title."""
    text = (f"The smallest fault schedule chaosbench explore found that fails {name} (search seed {seed}): "
            f"removing any one of its faults makes the run pass with seed {sim_seed}.")
    head: dict[str, Any] = {key: document[key] for key in ("name", "title") if key in document}
    rest = {key: value for key, value in document.items() if key not in head and key != "description"}
    return {**head, "description": text, **rest}
