"""A swarm of searches: N independent explorations of one scenario, in parallel, their failures merged.

Search ``i`` of a swarm with seed ``S`` searches with seed ``S + i`` over a
subset of the explore section's fault kinds: search 0 over all of them, each
other over a subset drawn from its seed (swarm testing: a search that cannot
use some kinds digs deeper with the rest). Searches are plain data, so any
executor runs them, down to a Dask worker, with the same result. Their
failures are merged by the checks they break (the failed probes' ids and
broken invariants' names): one failure per set of broken checks, with the
smallest schedule any search found for it (fewest faults, then the earliest
search), and the searches that found it.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chaosbench.sim.explore.search import ExploreResult, explore
from chaosbench.sim.explore.space import FaultSpace, read_document
from chaosbench.sim.parallel.executors import Executor, WorkFailed
from chaosbench.sim.run.runtime import derive_seed
from chaosbench.sim.scenario.loader import ScenarioError, scenario_from_document

#: Called with how many searches have finished and the result of the one that just did.
SearchFinished = Callable[[int, ExploreResult], None]


@dataclass(frozen=True)
class Search:
    """One search of a swarm, as plain data."""

    index: int
    file: str
    seed: int
    kinds: tuple[str, ...]
    budget: int
    database: str | None
    deadline: float | None


@dataclass
class Failure:
    """A set of broken checks, the smallest schedule found that breaks them, and the searches that found it."""

    checks: tuple[str, ...]
    result: ExploreResult
    found_by: list[int] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """As plain JSON data: the checks, the searches that found it, and the smallest schedule with how to
        rerun it."""
        found = self.result.summary()
        return {"checks": list(self.checks), "found_by": self.found_by,
                **{key: found[key] for key in ("seed", "sim_seed", "minimal", "failed_checks", "removals", "out",
                                               "reproduce")}}


@dataclass
class SwarmResult:
    """Every search of a swarm, in order, and their failures merged by the checks they break."""

    scenario: str
    searches: list[Search]
    results: list[ExploreResult]
    failures: list[Failure]
    wall_time_s: float = 0.0

    @property
    def found(self) -> bool:
        return bool(self.failures)

    def write(self, folder: str | Path) -> list[Path]:
        """Write each failure's minimal schedule as a scenario file in ``folder``: ``<name>_<n>.yaml``."""
        return [failure.result.write(Path(folder) / f"{self.scenario}_explored_{number}.yaml")
                for number, failure in enumerate(self.failures, start=1)]

    def summary(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "searches": [{"index": search.index, "seed": search.seed, "kinds": list(search.kinds),
                          "examples": result.tally.examples, "runs": result.tally.runs, "found": result.found,
                          "timed_out": result.tally.timed_out, "wall_time_s": round(result.wall_time_s, 3)}
                         for search, result in zip(self.searches, self.results, strict=True)],
            "found": self.found,
            "failures": [failure.summary() for failure in self.failures],
            "wall_time_s": round(self.wall_time_s, 3),
        }


def plan(file: str | Path, count: int, *, budget: int, seed: int = 0, database: str | Path | None = None,
         time_budget: float | None = None) -> list[Search]:
    """The ``count`` searches of a swarm over the scenario ``file`` (bad input raises ScenarioError now)."""
    document = read_document(file)
    kinds = FaultSpace(document, scenario_from_document(document, file), str(file)).kinds
    # Epoch seconds rather than a monotonic clock: the searches may run in processes on other machines, and each
    # compares its own clock with this one reading.
    deadline = time.time() + time_budget if time_budget is not None else None
    return [Search(index, str(file), seed + index, tuple(kinds) if index == 0 else _subset(kinds, seed + index),
                   budget, str(database) if database is not None else None, deadline)
            for index in range(count)]


def _subset(kinds: list[str], seed: int) -> tuple[str, ...]:
    """A non-empty subset of ``kinds``, each kept with even odds, drawn from ``seed`` alone."""
    draw = random.Random(derive_seed(seed, "swarm:kinds"))
    chosen = tuple(kind for kind in kinds if draw.random() < 0.5)
    return chosen or (draw.choice(kinds),) if kinds else ()


def run_swarm(searches: list[Search], executor: Executor, finished: SearchFinished | None = None) -> SwarmResult:
    """Carry out every search on ``executor``; merge their failures."""
    started = time.perf_counter()
    results: dict[int, ExploreResult] = {}
    for count, (search, result) in enumerate(executor.run(run_search, searches), start=1):
        results[search.index] = result
        if finished is not None:
            finished(count, result)
    ordered = [results[search.index] for search in searches]
    name = ordered[0].scenario if ordered else ""
    return SwarmResult(name, searches, ordered, merge(ordered), time.perf_counter() - started)


def run_search(search: Search) -> ExploreResult:
    """One search of a swarm (an executor's work)."""
    try:
        return explore(search.file, budget=search.budget, seed=search.seed, database=search.database,
                       kinds=search.kinds, deadline=search.deadline)
    except ScenarioError as exc:  # its problems do not cross a process boundary; its text does
        raise WorkFailed(exc.render()) from None


def merge(results: list[ExploreResult]) -> list[Failure]:
    """One failure per set of broken checks, with the smallest schedule found for it, in the order first found."""
    failures: dict[tuple[str, ...], Failure] = {}
    for index, result in enumerate(results):
        if result.minimal is None or result.journal is None:
            continue
        checks = tuple(sorted([probe.id for probe in result.journal.failed_probes]
                              + [f"invariant {name}" for name in result.journal.broken_invariants]))
        failure = failures.setdefault(checks, Failure(checks, result))
        failure.found_by.append(index)
        smallest = failure.result.minimal
        if smallest is not None and len(result.minimal.faults) < len(smallest.faults):
            failure.result = result
    return list(failures.values())
