"""The ``chaosbench`` command line.

Exit status: 0 when everything passed, 1 when a scenario failed, 2 for bad
input or usage, 3 when the environment failed (see
:mod:`chaosbench.cli.exit_codes`). Every failure is caught here, once, and
printed as one line per problem (:mod:`chaosbench.cli.failures`); ``--debug``
adds the traceback. ``--json`` writes only JSON to standard output; progress
bars and messages go to standard error. Each subcommand lives in its own
module of :mod:`chaosbench.cli.commands`.
"""
from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any, NoReturn, Protocol

from chaosbench.cli.commands import (
    ablate,
    compare,
    drill,
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
from chaosbench.cli.exit_codes import EXIT_BROKEN_PIPE, EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED
from chaosbench.cli.failures import failures_of


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
    "drill": drill,
}


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with a one-line message on a usage error."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="chaosbench", description="Chaos and simulation testbench for an orchestration stack.")
    parser.add_argument("--debug", action="store_true", help="show the traceback of any failure")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module in COMMANDS.values():
        module.add_parser(commands)
    _accept_debug_anywhere(commands)
    return parser


def _accept_debug_anywhere(commands: argparse._SubParsersAction[Any]) -> None:
    """``--debug`` after a subcommand too (``chaosbench run X --debug``), at every depth."""
    for parser in commands.choices.values():
        parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        for action in parser._subparsers._group_actions if parser._subparsers else ():
            if isinstance(action, argparse._SubParsersAction):
                _accept_debug_anywhere(action)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status. No exception escapes but ``SystemExit``."""
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command].run(args)
    except KeyboardInterrupt:
        print("chaosbench: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return _reader_went_away()
    except Exception as exc:
        return _report(exc, args.debug)


def _report(exc: Exception, debug: bool) -> int:
    """Print what went wrong, one line per problem (after the traceback with ``--debug``); the exit status."""
    if debug:
        traceback.print_exc(file=sys.stderr)
    failures = failures_of(exc)
    if failures is None:
        hint = "" if debug else "; rerun with --debug for the traceback"
        print(f"chaosbench: internal error: {type(exc).__name__}: {exc}{hint}", file=sys.stderr)
        return EXIT_INTERNAL
    for failure in failures:
        print(failure.text(), file=sys.stderr)
    return max(failure.status for failure in failures)


def _reader_went_away() -> int:
    """Standard output was closed (``chaosbench list | head``): stop quietly, and keep Python's final flush of
    standard output from complaining."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
