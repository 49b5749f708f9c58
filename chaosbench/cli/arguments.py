"""argparse types shared by the subcommands: each turns a bad value into a usage error (exit 2)."""
from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

from chaosbench.sim.checks.safeguards import check_safeguard, safeguards_off
from chaosbench.sim.run.seeds import MAX_SEEDS, SEEDS_SYNTAX, parse_seed, parse_seeds
from chaosbench.sim.scenario.levels import MAX_LEVEL
from chaosbench.sim.spec.units import shown

#: Most rounds of ``loop --rounds``.
MAX_ROUNDS = 100_000
#: Most simulated days of ``loop --days`` (a century).
MAX_DAYS = 36_500
#: Most fault schedules ``explore --budget`` tries.
MAX_BUDGET = 100_000

T = TypeVar("T")


def argument(parse: Callable[[str], T]) -> Callable[[str], T]:
    """``parse`` as an argparse type: its ValueError becomes argparse's own error (exit 2 with usage)."""

    def convert(text: str) -> T:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = getattr(parse, "__name__", "value")
    return convert


def within(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from ``minimum`` to ``maximum`` (no upper bound when None)."""

    def whole_number(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {shown(text)}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {minimum} or more, got {value}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"expected at most {maximum:,}, got {shown(value)}")
        return value

    return whole_number


level = within(0, MAX_LEVEL)
positive = within(1)
#: One seed (``--seed N``): 0 or more.
seed = argument(parse_seed)


def seeds(most: int = MAX_SEEDS) -> Callable[[str], tuple[int, ...]]:
    """An argparse type for ``--seeds``: ``K`` (1..K), ``A:B`` or ``A,B,C`` (:mod:`sim.run.seeds`)."""
    return argument(lambda text: parse_seeds(text, most))


def add_seeds(parser: argparse.ArgumentParser, default: str | None, what: str, most: int = MAX_SEEDS) -> None:
    """``--seeds`` as every command spells it; ``default`` is a seed text (None: the option is required)."""
    parser.add_argument("--seeds", type=seeds(most), required=default is None,
                        default=None if default is None else parse_seeds(default),
                        help=f"{what}: {SEEDS_SYNTAX}" + (f" (default {default})" if default else ""))


def add_executor_options(parser: argparse.ArgumentParser, workers_default: str) -> None:
    """``--workers N`` (local processes) or ``--dask ADDRESS|local`` (a Dask cluster), one or the other."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=positive, help=f"local processes (default: {workers_default}; 1 = serial)")
    where.add_argument("--dask", metavar="ADDRESS", help="a Dask scheduler (tcp://host:8786) or 'local'")


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
