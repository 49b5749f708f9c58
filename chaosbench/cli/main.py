"""The ``chaosbench`` command line.

Exit status: 0 when everything passed, 1 when a scenario failed, 2 for bad
input or usage, 3 when the environment failed (see
:mod:`chaosbench.cli.exit_codes`). Every failure is caught here, once, and
printed as one line per problem (:mod:`chaosbench.cli.failures`), and under
``--json`` also as the JSON ``error`` envelope on standard output;
``--debug`` adds the traceback. ``--json`` writes only JSON to standard
output; progress bars and messages go to standard error. A mistyped option or
command is answered with the usage of the command it was given to and the
closest spelling. Each subcommand lives in its own module of
:mod:`chaosbench.cli.commands`.
"""
from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
import traceback
from collections.abc import Sequence
from importlib import metadata
from typing import Any, NoReturn, Protocol

from chaosbench.cli.colour import paint
from chaosbench.cli.commands import (
    ablate,
    compare,
    completion,
    drill,
    explore,
    frontier,
    listing,
    loop,
    new,
    report,
    run,
    schema,
    suite,
    sweep,
    validate,
    workflows,
)
from chaosbench.cli.exit_codes import EXIT_BROKEN_PIPE, EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED
from chaosbench.cli.failures import Failure, failures_of
from chaosbench.cli.jsonout import emit_failures


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
    "schema": schema,
    "new": new,
    "completion": completion,
}

EXAMPLES = """examples:
  chaosbench validate scenarios/                       # check every scenario file
  chaosbench run scenarios/baseline/mmc.yaml --seed 7  # one run, one run directory
  chaosbench suite scenarios/suites/smoke.yaml --seeds 3 --junit junit.xml
  chaosbench new checkout --fault worker_dropout       # write a scenario to start from
  chaosbench COMMAND --help                            # each command's options and examples
"""


def _version() -> str:
    try:
        return metadata.version("chaosbench")
    except metadata.PackageNotFoundError:  # a source checkout that was never installed
        return "unknown"


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with this command's usage, a one-line message and the closest spelling of a
    mistyped option or command; under ``--json`` the message is also printed as the JSON error envelope."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)  # an abbreviation that works today breaks when an option is added
        super().__init__(*args, **kwargs)

    def parse_known_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                         namespace: argparse.Namespace | None = None) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras and self._is_subcommand:
            # Report here, with this command's usage, rather than at the top with the top-level usage.
            self.error("unrecognized arguments: " + " ".join(extras) + self._closest_option(extras))
        return parsed, extras

    @property
    def _is_subcommand(self) -> bool:
        return self.prog != "chaosbench"

    def _closest_option(self, extras: list[str]) -> str:
        options = [option for action in self._actions for option in action.option_strings
                   if action.help != argparse.SUPPRESS]
        for extra in extras:
            if extra.startswith("-"):
                typed = extra.split("=")[0]
                # A short form the typed word spells out (--db of --database) before a look-alike (--dask).
                close = [option for option in options if _shortened(option, typed)] or \
                    difflib.get_close_matches(typed, options, n=1, cutoff=0.6)
                if close:
                    return f" (did you mean {close[0]}?)"
        return ""

    def error(self, message: str) -> NoReturn:
        match = re.search(r"invalid choice: '([^']*)'", message)
        if match:
            choices = [choice for action in self._actions if isinstance(action, argparse._SubParsersAction)
                       for choice in action.choices]
            close = difflib.get_close_matches(match.group(1), choices, n=1, cutoff=0.5)
            message = f"unknown command {match.group(1)!r}" + (f" (did you mean {close[0]}?)" if close else
                                                               f"; commands: {', '.join(choices)}")
        self.print_usage(sys.stderr)
        print(f"{self.prog}: {paint('error', 'red', sys.stderr)}: {message}", file=sys.stderr)
        if "--json" in _ARGV:
            emit_failures(self.prog.removeprefix("chaosbench").strip(), [Failure(EXIT_INPUT, "", "", message)])
        raise SystemExit(EXIT_INPUT)


def _shortened(option: str, typed: str) -> bool:
    """``option`` is a short form of ``typed`` (``--db`` of ``--database``): its letters, in order, the first first."""
    letters, word = option.lstrip("-"), typed.lstrip("-")
    if not letters or not word or letters[0] != word[0] or len(letters) >= len(word):
        return False
    rest = iter(word)
    return all(letter in rest for letter in letters)


#: The arguments being parsed, for a usage error to tell whether ``--json`` was asked for.
_ARGV: list[str] = []


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="chaosbench", description="Chaos and simulation testbench for an orchestration stack.",
                     epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"chaosbench {_version()}")
    parser.add_argument("--debug", action="store_true", help="show the traceback of any failure")
    _add_verbosity(parser, argparse_default=0)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")
    for module in COMMANDS.values():
        module.add_parser(commands)
    _accept_everywhere(commands)
    commands.choices["completion"].set_defaults(parser=parser)
    return parser


def _add_verbosity(parser: argparse.ArgumentParser, argparse_default: Any) -> None:
    loudness = parser.add_mutually_exclusive_group()
    loudness.add_argument("-q", "--quiet", dest="verbosity", action="store_const", const=-1, default=argparse_default,
                          help="print only the verdict and failures: no progress bars, no tables")
    loudness.add_argument("-v", "--verbose", dest="verbosity", action="store_const", const=1,
                          default=argparse_default, help="print more: each run as it finishes")


def _accept_everywhere(commands: argparse._SubParsersAction[Any]) -> None:
    """``--debug``, ``-q`` and ``-v`` after a subcommand too (``chaosbench run X --debug``), at every depth."""
    for parser in commands.choices.values():
        parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        _add_verbosity(parser, argparse_default=argparse.SUPPRESS)
        for action in parser._subparsers._group_actions if parser._subparsers else ():
            if isinstance(action, argparse._SubParsersAction):
                _accept_everywhere(action)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status. No exception escapes but ``SystemExit``."""
    _ARGV[:] = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(_ARGV)
    try:
        return COMMANDS[args.command].run(args)
    except KeyboardInterrupt:
        print("chaosbench: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return _reader_went_away()
    except Exception as exc:
        return _report(exc, args)


def _report(exc: Exception, args: argparse.Namespace) -> int:
    """Print what went wrong, one line per problem (after the traceback with ``--debug``); the exit status."""
    if args.debug:
        traceback.print_exc(file=sys.stderr)
    failures = failures_of(exc)
    if failures is None:
        hint = "" if args.debug else "; rerun with --debug for the traceback"
        failures = [Failure(EXIT_INTERNAL, "", "", f"internal error: {type(exc).__name__}: {exc}{hint}")]
    for failure in failures:
        print(failure.text(), file=sys.stderr)
    if getattr(args, "json", False):
        emit_failures(_command_name(args), failures)
    return max(failure.status for failure in failures)


def _command_name(args: argparse.Namespace) -> str:
    """``run``, or ``workflows list`` for a command of a command."""
    return " ".join(str(part) for part in (args.command, getattr(args, "workflows_command", None)) if part)


def _reader_went_away() -> int:
    """Standard output was closed (``chaosbench list | head``): stop quietly, and keep Python's final flush of
    standard output from complaining."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(main())
