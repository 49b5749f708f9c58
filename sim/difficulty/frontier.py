"""The frontier of a scenario: the highest difficulty level it survives on every seed.

Passing is assumed to be monotone in the level (a harder level never passes
where an easier one failed), so the frontier is found by bisection: about
log2(max_level) levels are run instead of all of them.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chaosbench.sim.run.record import RunResult
from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.scenario.loader import load_scenario


@dataclass
class Frontier:
    """The result of a frontier search."""

    scenario: str
    max_level: int
    highest_passing: int  # -1 when even level 0 fails
    first_failing: int | None  # None when max_level passes
    tried: dict[int, bool] = field(default_factory=dict)
    failures: list[RunResult] = field(default_factory=list)  # the runs that failed at first_failing


def find_frontier(file: str | Path, seeds: Sequence[int],
                  on_level: Callable[[int, bool], None] | None = None) -> Frontier:
    """Bisect levels 0..max_level of the scenario in ``file``; a level passes when every one of ``seeds`` does."""
    base = load_scenario(file)
    frontier = Frontier(base.name, base.difficulty.max_level, -1, None)
    failures: dict[int, list[RunResult]] = {}

    def passes(level: int) -> bool:
        scenario = load_scenario(file, level)
        failed = []
        for seed in seeds:
            result = run_scenario(scenario, seed=seed, level=level, file=str(file))
            if not result.passed:
                failed.append(result)
                break  # one failing seed decides the level
        frontier.tried[level] = not failed
        failures[level] = failed
        if on_level is not None:
            on_level(level, not failed)
        return not failed

    low, high = -1, base.difficulty.max_level + 1  # low passes (or is -1), high fails (or is past the top)
    while high - low > 1:
        middle = (low + high) // 2
        if passes(middle):
            low = middle
        else:
            high = middle
    frontier.highest_passing = low
    if high <= base.difficulty.max_level:
        frontier.first_failing = high
        frontier.failures = failures[high]
    return frontier
