"""``chaosbench frontier SCENARIO``: the highest level that passes on all seeds."""
from __future__ import annotations

import argparse
from typing import Any

from chaosbench.cli.arguments import add_seeds
from chaosbench.cli.colour import paint, verdict_style
from chaosbench.cli.commands import Commands, add_command
from chaosbench.cli.exit_codes import EXIT_PASS
from chaosbench.cli.jsonout import emit
from chaosbench.sim.difficulty.frontier import find_frontier

EXAMPLES = (
    "chaosbench frontier scenarios/layer2/worker_dropout.yaml --seeds 3",
    "chaosbench frontier scenarios/baseline/mmc.yaml --seeds 1,4,7 --json",
)


def add_parser(commands: Commands) -> None:
    parser = add_command(commands, "frontier", "the highest difficulty level a scenario survives", EXAMPLES)
    parser.add_argument("scenario", help="a scenario file")
    add_seeds(parser, "3", "seeds that must all pass")
    parser.add_argument("--json", action="store_true", help="print only JSON")


def run(args: argparse.Namespace) -> int:
    def show(level: int, passed: bool) -> None:
        if not args.json and args.verbosity >= 0:
            print(f"  level {level:>3}: {paint('pass' if passed else 'FAIL', verdict_style(passed))}")

    frontier = find_frontier(args.scenario, args.seeds, on_level=show)
    failing = [result.journal for result in frontier.failures]
    if args.json:
        emit("frontier", True, {
            "scenario": frontier.scenario, "max_level": frontier.max_level,
            "highest_passing": frontier.highest_passing, "first_failing": frontier.first_failing,
            "tried": {str(level): passed for level, passed in sorted(frontier.tried.items())},
            "first_failing_runs": [_failing_run(journal.to_json()) for journal in failing],
        })
        return EXIT_PASS
    if frontier.highest_passing < 0:
        print(f"{frontier.scenario}: fails already at level 0")
    elif frontier.first_failing is None:
        print(f"{frontier.scenario}: passes every level up to its max_level {frontier.max_level}")
    else:
        print(f"{frontier.scenario}: frontier at level {frontier.highest_passing}; "
              f"level {frontier.first_failing} fails")
    for journal in failing:
        for probe in journal.failed_probes:
            print(f"  {probe.describe()}")
        for finding in journal.findings:
            print(f"  finding: {finding}")
        print(f"  reproduce: {journal.reproduce}")
    return EXIT_PASS


def _failing_run(journal: dict[str, Any]) -> dict[str, Any]:
    return {key: journal[key] for key in ("seed", "probes", "invariants", "findings", "reproduce")}
