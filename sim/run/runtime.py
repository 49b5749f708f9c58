"""The testbench's implementation of the stack's ``Runtime`` protocol.

* Random streams are derived from the run seed and the stream's name through
  SHA-256, so a stream never depends on Python's per-process string hashing
  or on which other streams exist.
* The recorder keeps columns (typed arrays for numbers) and builds pandas
  DataFrames only at the end; given a :class:`TableSink`, it hands each
  table over a row group at a time as it fills instead, so a long run holds
  one row group per table (see :mod:`sim.run.streaming`).
* The trace hashes its decision records in chunks; together with every
  recorded table its SHA-256 digest identifies a run.
"""
from __future__ import annotations

import hashlib
import random
from array import array
from collections.abc import Sequence
from operator import itemgetter
from typing import Any, Protocol

import numpy as np
import pandas as pd
import simpy

from chaosbench.sim.checks.rows import Rows
from chaosbench.sim.run.columns import typed_frame

#: Rows a table holds before a sink takes them as one row group.
ROW_GROUP = 1 << 17


class TableSink(Protocol):
    """Where a streamed table's rows go, a row group at a time (see :mod:`sim.run.streaming`)."""

    def spill(self, name: str, columns: tuple[str, ...], data: list[Any]) -> None:
        """Take one row group of table ``name``: a column store each (``array('d')``, ``array('q')`` or a list)."""

    def write(self, name: str, frame: pd.DataFrame) -> None:
        """Take the whole of a table that never filled a row group."""

    def rows(self, name: str, columns: tuple[str, ...]) -> Rows:
        """The rows of a streamed table, read back in row groups."""

    def digest_into(self, sha: hashlib._Hash, name: str, columns: tuple[str, ...], kinds: Sequence[str]) -> None:
        """Feed the streamed table's contents to ``sha`` exactly as :meth:`ColumnTable.digest_into` would have
        fed them had it kept every row: each column's values in its final ``kind`` (``'q'``, ``'d'`` or
        ``'l'`` for a list)."""


def derive_seed(seed: int, name: str) -> int:
    """A 64-bit seed for stream ``name`` of run ``seed``, stable across processes and machines."""
    digest = hashlib.sha256(f"{seed}\x00{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class ColumnTable:
    """An append-only table stored column by column.

    Rows are buffered and moved into columns a batch at a time, which keeps
    ``append`` to one list append. A column's storage is chosen from its
    first value: ``array('d')`` for floats, ``array('q')`` for ints, a list
    otherwise; a column that later receives a value its array cannot hold is
    widened (ints to floats, numbers to a list), so a row is never refused.
    """

    _BATCH = 4096

    def __init__(self, columns: Sequence[str], name: str = "", sink: TableSink | None = None) -> None:
        self.columns = tuple(columns)
        self.name = name
        self._data: list[Any] | None = None
        self._rows: list[tuple[Any, ...]] = []
        self._sink = sink
        self._spilled = 0

    def append(self, *row: Any) -> None:
        self.add(row)

    def add(self, row: tuple[Any, ...]) -> None:
        """Append ``row`` as it is: a caller that has the tuple spares building another."""
        rows = self._rows
        rows.append(row)
        if len(rows) >= self._BATCH:
            self._settle()

    def _settle(self) -> None:
        rows = self._rows
        if not rows:
            return
        if self._data is None:
            self._data = [_storage_for(value) for value in rows[0]]
        data = self._data
        width = len(data)
        if min(map(len, rows)) != width or max(map(len, rows)) != width:
            raise ValueError(f"table {self.name!r}: every row needs {width} values, one per column")
        for index, column in enumerate(data):
            # A column at a time, by itemgetter: zip(*rows) over a batch of rows costs three times as much, and
            # a list comprehension a quarter more.
            values = list(map(itemgetter(index), rows))
            try:
                # A whole batch converted at once, then copied in: faster than extending value by value,
                # and a refused batch leaves the column untouched.
                column.extend(array(column.typecode, values) if isinstance(column, array) else values)
            except (TypeError, OverflowError):
                data[index] = _widened(column, values)
        rows.clear()
        if self._sink is not None and len(data[0]) >= ROW_GROUP:
            self._spill()

    def _spill(self) -> None:
        """Hand the settled rows to the sink and start empty columns of the same kinds."""
        assert self._sink is not None and self._data is not None
        self._sink.spill(self.name, self.columns, self._data)
        self._spilled += len(self._data[0])
        self._data = [array(column.typecode) if isinstance(column, array) else [] for column in self._data]

    def __len__(self) -> int:
        return self._spilled + len(self._rows) + (0 if self._data is None else len(self._data[0]))

    def finish(self) -> Rows:
        """Hand what is left to the sink (a streamed table's last row group, or a small table whole); its rows."""
        self._settle()
        if self._sink is None:
            return Rows.of(self.frame())
        if not self._spilled:
            frame = self.frame()
            self._sink.write(self.name, frame)
            return Rows.of(frame)
        if self._data is not None and len(self._data[0]):
            self._spill()
        return self._sink.rows(self.name, self.columns)

    def frame(self) -> pd.DataFrame:
        self._settle()
        if self._data is None:
            return pd.DataFrame({name: [] for name in self.columns})
        columns = zip(self.columns, self._data, strict=True)
        return typed_frame(self.name, {name: _as_column(column) for name, column in columns})

    def digest_into(self, sha: hashlib._Hash) -> None:
        """Feed the table's contents, in a platform-independent encoding, to ``sha``."""
        self._settle()
        if self._spilled:
            assert self._sink is not None and self._data is not None, "a spilled table has a sink and columns"
            kinds = [column.typecode if isinstance(column, array) else "l" for column in self._data]
            self._sink.digest_into(sha, self.name, self.columns, kinds)
            return
        for name, column in zip(self.columns, self._data or (), strict=False):
            sha.update(name.encode())
            if isinstance(column, array):
                sha.update(np.asarray(column, dtype="<f8" if column.typecode == "d" else "<i8").tobytes())
            else:
                sha.update(repr(column).encode())


def _storage_for(value: Any) -> Any:
    if isinstance(value, bool):
        return []
    if isinstance(value, float):
        return array("d")
    if isinstance(value, int):
        return array("q")
    return []


def _as_column(column: Any) -> Any:
    if isinstance(column, array):
        return np.frombuffer(column, dtype="f8" if column.typecode == "d" else "i8").copy()
    return column


def _widened(column: Any, values: list[Any]) -> Any:
    if isinstance(column, array) and column.typecode == "q" and all(isinstance(v, (int, float)) for v in values):
        widened: Any = array("d", column)
    else:
        widened = list(column)
    widened.extend(values)
    return widened


class Recorder:
    """Named column tables plus integer counters; with a ``sink``, the tables stream into it."""

    def __init__(self, sink: TableSink | None = None) -> None:
        self.tables: dict[str, ColumnTable] = {}
        self.counts: dict[str, int] = {}
        self._sink = sink

    def table(self, name: str, columns: Sequence[str]) -> ColumnTable:
        existing = self.tables.get(name)
        if existing is None:
            existing = self.tables[name] = ColumnTable(columns, name, self._sink)
        elif existing.columns != tuple(columns):
            raise ValueError(f"table {name!r} already has columns {existing.columns}")
        return existing

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def frame(self, name: str) -> pd.DataFrame:
        table = self.tables.get(name)
        return table.frame() if table is not None else pd.DataFrame()

    def finish(self) -> dict[str, Rows]:
        """Every table's rows, once the run has recorded its last row (see :meth:`ColumnTable.finish`)."""
        return {name: table.finish() for name, table in self.tables.items()}


class Trace:
    """Decision records hashed in chunks of ``chunk`` records."""

    def __init__(self, chunk: int = 8192) -> None:
        self._sha = hashlib.sha256()
        self._buffer: list[tuple[Any, ...]] = []
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

    def digest(self, tables: dict[str, ColumnTable] | None = None) -> str:
        """Hex digest of every record so far and of ``tables`` (in name order)."""
        self._flush()
        sha = self._sha.copy()
        tables = tables or {}
        for name in sorted(tables):
            sha.update(name.encode())
            tables[name].digest_into(sha)
        return sha.hexdigest()


class SimRuntime:
    """A fresh SimPy environment with seeded streams, a recorder and a trace (``trace``, or a new one)."""

    def digest(self) -> str:
        """The run's identity: the trace and every recorded table."""
        return self.trace.digest(self.recorder.tables)

    def __init__(self, seed: int, trace: Trace | None = None, sink: TableSink | None = None) -> None:
        self.seed = seed
        self.env = simpy.Environment()
        self.recorder = Recorder(sink)
        self.trace = trace if trace is not None else Trace()
        self._streams: dict[str, random.Random] = {}

    def rng(self, name: str) -> random.Random:
        stream = self._streams.get(name)
        if stream is None:
            stream = self._streams[name] = random.Random(derive_seed(self.seed, name))
        return stream
