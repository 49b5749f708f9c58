"""argparse types shared by the subcommands: each turns a bad value into a usage error (exit 2)."""
from __future__ import annotations

import argparse
from collections.abc import Callable

from chaosbench.sim.checks.safeguards import check_safeguard, safeguards_off


def at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of ``minimum`` or more."""

    def whole_number(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {minimum} or more, got {value}")
        return value

    return whole_number


non_negative = at_least(0)
positive = at_least(1)


def add_safeguard_switches(parser: argparse.ArgumentParser) -> None:
    """``--without NAME`` and ``--only NAME`` (repeatable, exclusive): safeguards to turn off by name."""
    switches = parser.add_mutually_exclusive_group()
    switches.add_argument("--without", action="append", type=_safeguard("--without", allow_all=True), default=[],
                          metavar="NAME", help="turn this safeguard off, 'all' for every one (repeatable)")
    switches.add_argument("--only", action="append", type=_safeguard("--only"), metavar="NAME",
                          help="turn every safeguard off except this one, left as the scenario has it (repeatable)")


def switched_off(args: argparse.Namespace) -> tuple[str, ...]:
    """The safeguards the parsed ``--without`` or ``--only`` turn off, in catalogue order."""
    return safeguards_off(args.without, args.only)


def _safeguard(option: str, allow_all: bool = False) -> Callable[[str], str]:
    def safeguard(text: str) -> str:
        try:
            return check_safeguard(text, option=option, allow_all=allow_all)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc).removeprefix(f"{option}: ")) from None

    return safeguard
