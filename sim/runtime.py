"""The testbench's implementation of the stack's ``Runtime`` protocol.

* Random streams are derived from the run seed and the stream's name through
  SHA-256, so a stream never depends on ``hash()``, on the process, or on
  which other streams exist.
* The recorder keeps columns (typed arrays for numbers) and builds pandas
  DataFrames only at the end.
* The trace hashes its records in chunks; its SHA-256 digest identifies a run.
"""
from __future__ import annotations

import hashlib
import random
from array import array
from typing import Any, Sequence

import pandas as pd
import simpy


def derive_seed(seed: int, name: str) -> int:
    """A 64-bit seed for stream ``name`` of run ``seed``, stable across processes and machines."""
    digest = hashlib.sha256(f"{seed}\x00{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class ColumnTable:
    """An append-only table stored column by column.

    A column's storage is chosen from its first value: ``array('d')`` for
    floats, ``array('q')`` for ints (bools included), a list otherwise.
    """

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = tuple(columns)
        self._data: list[Any] | None = None

    def append(self, *row: Any) -> None:
        data = self._data
        if data is None:
            data = self._data = [_storage_for(value) for value in row]
        for column, value in zip(data, row):
            column.append(value)

    def __len__(self) -> int:
        return 0 if self._data is None else len(self._data[0])

    def frame(self) -> pd.DataFrame:
        if self._data is None:
            return pd.DataFrame({name: [] for name in self.columns})
        return pd.DataFrame({name: _as_column(col) for name, col in zip(self.columns, self._data)})


def _storage_for(value: Any) -> Any:
    if isinstance(value, float):
        return array("d")
    if isinstance(value, int) and not isinstance(value, bool):
        return array("q")
    return []


def _as_column(column: Any) -> Any:
    if isinstance(column, array):
        import numpy as np

        return np.frombuffer(column, dtype="f8" if column.typecode == "d" else "i8").copy()
    return column


class Recorder:
    """Named column tables plus integer counters."""

    def __init__(self) -> None:
        self.tables: dict[str, ColumnTable] = {}
        self.counts: dict[str, int] = {}

    def table(self, name: str, columns: Sequence[str]) -> ColumnTable:
        existing = self.tables.get(name)
        if existing is None:
            existing = self.tables[name] = ColumnTable(columns)
        elif existing.columns != tuple(columns):
            raise ValueError(f"table {name!r} already has columns {existing.columns}")
        return existing

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def frame(self, name: str) -> pd.DataFrame:
        table = self.tables.get(name)
        return table.frame() if table is not None else pd.DataFrame()


class Trace:
    """Records hashed in chunks of ``chunk`` records; ``digest()`` is the run's identity."""

    def __init__(self, chunk: int = 8192) -> None:
        self._sha = hashlib.sha256()
        self._buffer: list[tuple] = []
        self._chunk = chunk
        self.records = 0

    def emit(self, *record: Any) -> None:
        buffer = self._buffer
        buffer.append(record)
        if len(buffer) >= self._chunk:
            self._flush()

    def _flush(self) -> None:
        # repr of str, int and float is exact and the same on every platform.
        self._sha.update(repr(self._buffer).encode())
        self.records += len(self._buffer)
        self._buffer.clear()

    def digest(self) -> str:
        """Hex digest of every record so far; further records may still follow."""
        self._flush()
        return self._sha.copy().hexdigest()


class SimRuntime:
    """A fresh SimPy environment with seeded streams, a recorder and a trace."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.env = simpy.Environment()
        self.recorder = Recorder()
        self.trace = Trace()
        self._streams: dict[str, random.Random] = {}

    def rng(self, name: str) -> random.Random:
        stream = self._streams.get(name)
        if stream is None:
            stream = self._streams[name] = random.Random(derive_seed(self.seed, name))
        return stream
