"""The ``chaosbench`` command line.

Exit status: 0 when everything passed, 1 when a scenario failed, 2 for bad
input or usage. ``--json`` writes only JSON to standard output; progress
bars and messages go to standard error. Each subcommand lives in its own
module of :mod:`chaosbench.cli.commands`.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any, NoReturn, Protocol

from chaosbench.cli.commands import (
    ablate,
    compare,
    explore,
    frontier,
    listing,
    loop,
    report,
    run,
    suite,
    sweep,
    validate,
    workflows,
)
from chaosbench.cli.exit_codes import EXIT_INPUT
from chaosbench.sim.run.rundir import RunDirError
from chaosbench.sim.scenario.loader import ScenarioError


class Command(Protocol):
    """A subcommand module: it adds its parser to the subparsers and runs the parsed arguments."""

    def add_parser(self, commands: argparse._SubParsersAction[Any]) -> object: ...

    def run(self, args: argparse.Namespace) -> int: ...


COMMANDS: dict[str, Command] = {
    "validate": validate,
    "list": listing,
    "run": run,
    "suite": suite,
    "loop": loop,
    "frontier": frontier,
    "explore": explore,
    "workflows": workflows,
    "report": report,
    "sweep": sweep,
    "ablate": ablate,
    "compare": compare,
}


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with a one-line message on a usage error."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="chaosbench", description="Chaos and simulation testbench for an orchestration stack.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module in COMMANDS.values():
        module.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command].run(args)
    except ScenarioError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_INPUT
    except RunDirError as exc:
        print(f"chaosbench: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("chaosbench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
