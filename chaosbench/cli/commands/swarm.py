"""``chaosbench explore SCENARIO --swarm N``: N searches at once, their failures merged by the checks they break.

Not a command of its own: :mod:`chaosbench.cli.commands.explore` hands
``--swarm`` here. Exit 1 when any search found a failing schedule (one
scenario file per set of broken checks is written), 0 when none did.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from chaosbench.cli.colour import paint
from chaosbench.cli.exit_codes import EXIT_FAIL, EXIT_PASS
from chaosbench.cli.jsonout import emit
from chaosbench.cli.progress import finished_lines
from chaosbench.sim.parallel.executors import make_executor

if TYPE_CHECKING:  # the search needs Hypothesis (the explore extra), imported once the command knows it is there
    from chaosbench.sim.explore.search import ExploreResult
    from chaosbench.sim.explore.swarm import SwarmResult

#: Most searches one swarm runs.
MAX_SWARM = 1_000
#: Longest ``--time-budget`` (a week).
MAX_TIME_BUDGET_S = 7 * 24 * 3600
DEFAULT_OUT = Path("runs/explore")


def run_swarm_command(args: argparse.Namespace) -> int:
    from chaosbench.sim.explore.swarm import plan, run_swarm

    searches = plan(args.scenario, args.swarm, budget=args.budget, seed=args.seed,
                    database=None if args.no_db else args.db, time_budget=args.time_budget)
    executor = make_executor(args.workers or (None if args.dask else 1), args.dask,
                             key=lambda search: f"chaosbench-explore-{search.file}-{search.seed}-{search.deadline}")
    try:
        with finished_lines(len(searches), "swarm", args.verbosity) as finished:
            result = run_swarm(searches, executor, lambda done, search: finished(done, _finished_text(search)))
    finally:
        executor.close()
    written = result.write(args.out or DEFAULT_OUT / f"{result.scenario}_swarm") if result.found else []
    if args.json:
        emit("swarm", not result.found, result.summary())
    else:
        _print(result, written)
    return EXIT_FAIL if result.found else EXIT_PASS


def _finished_text(result: ExploreResult) -> str:
    found = f"failed with {len(result.minimal.faults)} fault(s)" if result.minimal is not None else "no failure"
    return f"seed {result.seed}: {result.tally.runs} runs, {found}{', out of time' if result.tally.timed_out else ''}"


def _print(result: SwarmResult, written: list[Path]) -> None:
    from chaosbench.sim.explore.space import kind_of

    runs = sum(search.tally.runs for search in result.results)
    print(f"{result.scenario}: {len(result.searches)} searches, {runs} runs in {result.wall_time_s:.1f} s wall")
    if not result.found:
        print("  no failing schedule found")
        return
    for failure, path in zip(result.failures, written, strict=True):
        minimal = failure.result.minimal
        assert minimal is not None, "a merged failure has a schedule"
        print(f"  {paint('FAILED', 'red')} {', '.join(failure.checks)}: found by searches {failure.found_by}; "
              f"minimal schedule of {len(minimal.faults)} fault(s):")
        for entry in minimal.faults:
            kind = kind_of(entry)
            print(f"    at {entry['at']}s  {kind}  {', '.join(f'{k}={v}' for k, v in entry[kind].items())}")
        print(f"    written: {path}")
        print(f"    reproduce: {failure.result.reproduce}")
