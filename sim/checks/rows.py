"""A recorded table as the checks read it: whole in memory, or a row group at a time from its file.

A run that streams its tables to Parquet (:mod:`sim.run.streaming`) hands
the probes and invariants a :class:`Rows` that reads the file in row groups,
so judging a run holds one row group of a table at a time, however long the
run. Every measure built on :meth:`Rows.chunks` gives the same value for the
same rows, however they are split: counts add up, and :func:`quantile` finds
the exact order statistics numpy's linear quantile interpolates between.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

#: Reads the named columns (all when None) as DataFrames of consecutive rows, in order.
ChunkReader = Callable[[Sequence[str] | None], Iterable[pd.DataFrame]]


class Rows:
    """``length`` rows with ``columns``, read in consecutive chunks by ``read``."""

    def __init__(self, columns: Sequence[str], length: int, read: ChunkReader) -> None:
        self.columns = tuple(columns)
        self._length = length
        self._read = read

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Rows:
        """The rows of a frame held in memory: one chunk (of the asked-for columns it has)."""
        return cls(list(frame.columns), len(frame),
                   lambda columns: [frame if columns is None else frame[[name for name in columns if name in frame]]])

    def __len__(self) -> int:
        return self._length

    @property
    def empty(self) -> bool:
        return self._length == 0

    def chunks(self, columns: Sequence[str] | None = None) -> Iterator[pd.DataFrame]:
        """The rows in consecutive chunks, of ``columns`` only when given."""
        if self._length:
            yield from self._read(columns)

    def frame(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Every row in one frame (of ``columns`` when given): for tables known to be small, such as faults."""
        parts = list(self.chunks(columns))
        if not parts:
            return pd.DataFrame({name: [] for name in (columns or self.columns)})
        return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)

    def count(self, columns: Sequence[str], select: Callable[[pd.DataFrame], pd.Series]) -> int:
        """How many rows ``select`` (a boolean series of a chunk of ``columns``) marks."""
        return sum(int(select(chunk).sum()) for chunk in self.chunks(columns))

    def tally(self, column: str) -> dict[Any, int]:
        """How many rows hold each value of ``column``."""
        counted: dict[Any, int] = {}
        for chunk in self.chunks([column]):
            for value, number in chunk[column].value_counts().items():
                counted[value] = counted.get(value, 0) + int(number)
        return counted


class Frames(Mapping[str, pd.DataFrame]):
    """Tables by name, each read whole (once) when first asked for: the run's tables that a check reads whole."""

    def __init__(self, tables: Mapping[str, Rows]) -> None:
        self._tables = tables
        self._read: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._read:
            self._read[name] = self._tables[name].frame()
        return self._read[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)


def rows_of(table: Rows | pd.DataFrame) -> Rows:
    """``table`` as :class:`Rows` (a frame is wrapped as it is)."""
    return table if isinstance(table, Rows) else Rows.of(table)


#: Most values :func:`quantile` holds at once while it narrows down to an order statistic.
HELD = 1 << 18
_BINS = 4096


def quantile(values: Callable[[], Iterable[np.ndarray]], q: float) -> float:
    """``np.quantile`` (linear) of every value ``values()`` yields, exactly, holding at most :data:`HELD` of them.

    ``values`` is called once per pass over the data; NaN when there is no value. One chunk is handed to numpy
    as it is; more are narrowed down, pass by pass, to the two order statistics numpy interpolates between.
    """
    chunks = [np.asarray(chunk, dtype=float) for chunk in values()] if _few(values) else None
    if chunks is not None:
        return float(np.quantile(np.concatenate(chunks), q)) if sum(map(len, chunks)) else math.nan
    count = sum(len(chunk) for chunk in values())
    if not count:
        return math.nan
    position = np.float64(count - 1) * np.float64(q)
    if position >= count - 1:
        return float(max(float(np.max(chunk)) for chunk in values() if len(chunk)))
    below = int(np.floor(position))
    first, second = _order_statistics(values, below)
    gamma = position - np.float64(below)
    difference = second - first
    if gamma >= 0.5:  # numpy's interpolation, term for term
        return float(second - difference * (1 - gamma))
    return float(first + difference * gamma)


def _few(values: Callable[[], Iterable[np.ndarray]]) -> bool:
    """The values come in at most one chunk, or few enough to hold at once."""
    held = 0
    for index, chunk in enumerate(values()):
        held += len(chunk)
        if index >= 1 and held > HELD:
            return False
    return True


def _order_statistics(values: Callable[[], Iterable[np.ndarray]], rank: int) -> tuple[np.float64, np.float64]:
    """The values of ranks ``rank`` and ``rank + 1`` (0-based, ascending) of every value ``values()`` yields.

    The search keeps a half-open range ``[low, high)`` known to hold ``rank``, and how many values lie below
    it; each pass splits the range into bins by exact comparisons and keeps the bin holding ``rank``, until
    the range holds few enough values to sort (or only copies of one value).
    """
    low = np.float64(min(float(np.min(chunk)) for chunk in values() if len(chunk)))
    high = np.nextafter(np.float64(max(float(np.max(chunk)) for chunk in values() if len(chunk))), np.inf)
    below = 0
    while True:
        edges = np.linspace(low, high, _BINS + 1)
        counts = np.zeros(_BINS, dtype=np.int64)
        kept: list[np.ndarray] = []
        held, smallest, largest = 0, math.inf, -math.inf
        for chunk in values():
            inside = chunk[(chunk >= low) & (chunk < high)]
            if not len(inside):
                continue
            held += len(inside)
            smallest, largest = min(smallest, float(np.min(inside))), max(largest, float(np.max(inside)))
            kept = kept + [inside] if held <= HELD else []
            counts += np.bincount(np.searchsorted(edges, inside, side="right") - 1, minlength=_BINS)[:_BINS]
        if held <= HELD or smallest == largest:
            ordered = np.sort(np.concatenate(kept)) if held <= HELD else np.full(held, smallest)
            first = ordered[rank - below]
            if rank + 1 - below < held:
                return first, ordered[rank + 1 - below]
            return first, np.float64(min(float(np.min(chunk[chunk >= high])) for chunk in values()
                                         if np.any(chunk >= high)))
        before = np.concatenate(([0], np.cumsum(counts)))
        index = int(np.searchsorted(before, rank - below, side="right")) - 1
        low, high, below = edges[index], edges[index + 1], below + int(before[index])
