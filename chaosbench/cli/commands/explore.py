"""``chaosbench explore SCENARIO``: search fault schedules for the smallest one that fails the scenario.

Exit 1 when a failing schedule was found (it is written as a scenario file
that ``chaosbench run`` fails with the printed command), 0 when none was
within the budget, 2 for bad input. ``--swarm N`` runs N searches at once
(``--workers``, ``--dask``) and writes one scenario file per set of checks
their failures break.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from chaosbench.cli.arguments import MAX_BUDGET, add_executor_options, seed, within
from chaosbench.cli.colour import paint
from chaosbench.cli.commands import Commands, add_command
from chaosbench.cli.commands.swarm import MAX_SWARM, MAX_TIME_BUDGET_S, run_swarm_command
from chaosbench.cli.exit_codes import EXIT_FAIL, EXIT_PASS
from chaosbench.cli.failures import BadInput
from chaosbench.cli.jsonout import emit
from chaosbench.cli.progress import bar_disabled
from chaosbench.sim.explore import DEFAULT_DATABASE
from chaosbench.sim.spec.extras import require

if TYPE_CHECKING:
    from chaosbench.sim.explore.search import ExploreResult, Tally

DEFAULT_OUT = Path("runs/explore")
#: The figures of the search, grouped under ``counts`` in its JSON.
COUNTS = ("budget", "examples", "shrink_runs", "runs", "failures")

EXAMPLES = (
    "chaosbench explore scenarios/explore/two_workers_tight_sla.yaml --budget 100 --seed 0",
    "chaosbench explore SCENARIO --json --out found.yaml     # only the JSON summary on stdout",
    "chaosbench explore SCENARIO --no-db                     # neither replay nor keep failing examples",
)


def add_parser(commands: Commands) -> None:
    parser = add_command(commands, "explore", "search fault schedules for a minimal failing one", EXAMPLES)
    parser.add_argument("scenario", help="a scenario file (its explore: section bounds the search)")
    parser.add_argument("--budget", type=within(1, MAX_BUDGET), default=100,
                        help="fault schedules to try (default 100)")
    parser.add_argument("--seed", type=seed, default=0, help="search seed; the same seed gives the same result "
                                                            "(default 0)")
    parser.add_argument("--out",
                        help=f"where to write the failing scenario (default {DEFAULT_OUT}/<name>_explored.yaml)")
    parser.add_argument("--db", default=str(DEFAULT_DATABASE),
                        help=f"example database folder, replayed first next time (default {DEFAULT_DATABASE})")
    parser.add_argument("--no-db", action="store_true", help="neither replay nor keep failing examples")
    parser.add_argument("--time-budget", type=within(1, MAX_TIME_BUDGET_S), metavar="SECONDS",
                        help="stop trying new schedules after this many seconds of wall time")
    parser.add_argument("--swarm", type=within(1, MAX_SWARM), metavar="N",
                        help="run N independent searches (seeds SEED.., each over a subset of the fault kinds) "
                             "on --workers or --dask, and merge their failures by the checks they break")
    add_executor_options(parser, "1")
    parser.add_argument("--json", action="store_true", help="print only the JSON summary")


def run(args: argparse.Namespace) -> int:
    require("hypothesis", "explore", "chaosbench explore")
    if args.swarm is not None:
        return run_swarm_command(args)
    if args.workers is not None or args.dask is not None:
        raise BadInput("--workers and --dask run the searches of a --swarm", field="--workers")
    from chaosbench.sim.explore.search import explore

    deadline = time.time() + args.time_budget if args.time_budget else None
    with _Progress(args.budget, args.verbosity) as progress:
        result = explore(args.scenario, budget=args.budget, seed=args.seed,
                         database=None if args.no_db else args.db, progress=progress, deadline=deadline)
    if result.found:
        result.write(args.out or DEFAULT_OUT / f"{result.scenario}_explored.yaml")
    if args.json:
        summary = result.summary()
        counts = {key: summary.pop(key) for key in COUNTS}
        summary["db"] = summary.pop("database")
        emit("explore", not result.found, {**summary, "counts": counts})
    else:
        _print(result)
    return EXIT_FAIL if result.found else EXIT_PASS


class _Progress:
    """A bar over the budget on stderr, and one line when the first failure starts the shrinking."""

    def __init__(self, budget: int, verbosity: int) -> None:
        self.bar = tqdm(total=budget, desc="explore", unit="example", file=sys.stderr,
                        disable=bar_disabled(verbosity), leave=False)
        self.announced = verbosity < 0  # -q: not a word on the way

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.close()

    def __call__(self, tally: Tally) -> None:
        self.bar.n = min(tally.examples, tally.budget)
        if tally.shrinking:
            if not self.announced:
                self.announced = True
                tqdm.write(f"explore: schedule {tally.examples} failed; shrinking it", file=sys.stderr)
            self.bar.set_postfix_str(f"shrinking, {tally.shrink_runs} runs", refresh=False)
        self.bar.refresh()


def _print(result: ExploreResult) -> None:
    from chaosbench.sim.explore.space import kind_of

    tally = result.tally
    print(f"{result.scenario}: {tally.examples} schedules tried of a budget of {tally.budget}, "
          f"{tally.runs} runs in {result.wall_time_s:.1f} s wall")
    if not result.found:
        print("  no failing schedule found")
        return
    assert result.minimal is not None
    count = len(result.minimal.faults)
    print(f"  {paint('FAILED', 'red')}: minimal schedule of {count} fault{'' if count == 1 else 's'} "
          f"(after {tally.shrink_runs} shrinking runs)")
    for entry in result.minimal.faults:
        kind = kind_of(entry)
        params = ", ".join(f"{name}={value}" for name, value in entry[kind].items())
        print(f"    at {entry['at']}s  {kind}  {params}")
    for path, value in result.minimal.knobs:
        print(f"    knob {path} = {value}")
    for check in result.failed_checks():
        print(f"  fails {check}")
    print(f"  written: {result.out}")
    print(f"  reproduce: {result.reproduce}")
