"""The runtime the stack needs from whoever hosts it.

The stack never creates its own clock, randomness or storage: it receives a
``Runtime`` and uses only what this protocol promises. The testbench (``sim``)
provides the implementation; tests may provide their own.
"""
from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any, Protocol

import simpy


class Table(Protocol):
    """An append-only table kept as columns."""

    @property
    def columns(self) -> Sequence[str]:
        """The column names, in the order rows give their values."""

    def append(self, *row: Any) -> None:
        """Append one row; values in the order of ``columns``."""

    def add(self, row: tuple[Any, ...]) -> None:
        """Append ``row``, a tuple already built (values in the order of ``columns``)."""


class Recorder(Protocol):
    """Where the stack writes what it did, as columns and counters."""

    def table(self, name: str, columns: Sequence[str]) -> Table:
        """Return the table ``name``, creating it with ``columns`` on first use.

        Asking again for an existing table with other columns is an error.
        """

    def count(self, key: str, n: int = 1) -> None:
        """Add ``n`` to the counter ``key`` (created at zero)."""


class Trace(Protocol):
    """The ordered record of decisions whose digest identifies a run."""

    def emit(self, *record: Any) -> None:
        """Add one record (time first by convention) made of str, int and float values."""


class Runtime(Protocol):
    """Clock, named randomness, recorder and trace of one simulated run."""

    env: simpy.Environment

    # Read-only, so that an implementation may hold a recorder and a trace that do more than these promise.
    @property
    def recorder(self) -> Recorder:
        """Where the run's tables and counters go."""

    @property
    def trace(self) -> Trace:
        """The run's decision records."""

    def rng(self, name: str) -> random.Random:
        """The random stream called ``name``: the same object on every call.

        Streams are independent of each other and of the order in which they
        are first asked for, so adding a stream never changes another.
        """
