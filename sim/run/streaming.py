"""Streaming a run's tables to Parquet as they fill, so a long run's memory stays flat.

:class:`ParquetSink` is the :class:`sim.run.runtime.TableSink` of a run
written to a run directory: each table that fills a row group
(:data:`sim.run.runtime.ROW_GROUP` rows) is written to ``<table>.parquet``
one row group at a time; a table that never does is written whole at the
end, as :func:`sim.run.rundir.write_run` writes it. Either way the columns
get the types of :mod:`sim.run.columns` (categoricals for priorities and
outcomes), as in a run held in memory; read back, an unordered categorical
of a table written in row groups (a task's kind or origin) lists its values
in the order the row groups met them rather than sorted. The probes and
invariants then read a streamed table back a row group at a time
(:class:`sim.checks.rows.Rows`).

The run's digest covers every table column by column, so a streamed table
cannot be hashed as it goes. Instead each row group leaves, per column, the
exact bytes the digest would have read for it (its values as little-endian
numbers, or the ``repr`` of a list's items) in a scratch file, and the
digest reads them back in column order, re-encoding earlier row groups of a
column that later widened (integers to floats, numbers to a list) as the
in-memory table would have: a streamed run has the digest of the same run
held in memory.

:func:`run_to_dir` runs a scenario straight into its run directory.
"""
from __future__ import annotations

import hashlib
import shutil
from array import array
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from chaosbench.sim.checks.rows import Rows
from chaosbench.sim.run.columns import typed_frame
from chaosbench.sim.run.layout import table_path
from chaosbench.sim.run.record import RunResult
from chaosbench.sim.run.rundir import RunTables, staged_run, write_journal
from chaosbench.sim.run.runner import ProgressHook, Setting, run_scenario
from chaosbench.sim.scenario.model import Scenario

#: How a column's values were encoded for the digest, by its storage: array typecode, or a list.
_NUMBERS = {"d": "<f8", "q": "<i8"}
#: Where the digest's scratch files go inside the staging folder (removed before the run is put in place).
SCRATCH = ".digest"


class ParquetSink:
    """Writes the tables of one run into ``folder``; keeps the digest's scratch files in ``folder/.digest``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.scratch = folder / SCRATCH
        self.scratch.mkdir()
        self._writers: dict[str, pq.ParquetWriter] = {}
        # Per table, each row group's column kinds (see _kinds) and the size of each column's digest bytes.
        self._groups: dict[str, list[tuple[str, list[int]]]] = {}

    def spill(self, name: str, columns: tuple[str, ...], data: list[Any]) -> None:
        frame = typed_frame(name, {column: _values(values) for column, values in zip(columns, data, strict=True)})
        self._write_group(name, pa.Table.from_pandas(frame, preserve_index=False))
        sizes = []
        for index, values in enumerate(data):
            with open(self._scratch_file(name, index), "ab") as handle:
                sizes.append(handle.write(_digest_bytes(values)))
        self._groups.setdefault(name, []).append((_kinds(data), sizes))

    def write(self, name: str, frame: pd.DataFrame) -> None:
        frame.to_parquet(table_path(self.folder, name), index=False)

    def rows(self, name: str, columns: tuple[str, ...]) -> Rows:
        self._writers.pop(name).close()
        path = table_path(self.folder, name)
        return Rows(columns, pq.ParquetFile(path).metadata.num_rows, lambda chosen: _row_groups(path, chosen))

    def digest_into(self, sha: hashlib._Hash, name: str, columns: tuple[str, ...], kinds: Sequence[str]) -> None:
        for index, (column, final) in enumerate(zip(columns, kinds, strict=True)):
            sha.update(column.encode())
            with open(self._scratch_file(name, index), "rb") as handle:
                parts = ((group_kinds[index], handle.read(sizes[index])) for group_kinds, sizes in self._groups[name])
                if final == "l":
                    _feed_list(sha, parts)
                else:
                    for kind, raw in parts:
                        sha.update(raw if kind == final else np.frombuffer(raw, "<i8").astype("<f8").tobytes())

    def close(self) -> None:
        """Close what is still open and remove the scratch files."""
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def _scratch_file(self, name: str, index: int) -> Path:
        return self.scratch / f"{name}.{index}"

    def _write_group(self, name: str, batch: pa.Table) -> None:
        writer = self._writers.get(name)
        if writer is None:
            writer = self._writers[name] = pq.ParquetWriter(table_path(self.folder, name), batch.schema)
        elif batch.schema != writer.schema:
            wider = pa.unify_schemas([writer.schema, batch.schema], promote_options="permissive")
            if wider != writer.schema:
                writer = self._widen(name, wider)
            batch = batch.cast(wider)
        writer.write_table(batch, row_group_size=batch.num_rows)

    def _widen(self, name: str, schema: pa.Schema) -> pq.ParquetWriter:
        """Rewrite the row groups written so far with ``schema``: a column took values its type cannot hold."""
        self._writers.pop(name).close()
        path = table_path(self.folder, name)
        narrow = path.with_name(f".{path.name}.narrow")
        path.rename(narrow)
        writer = self._writers[name] = pq.ParquetWriter(path, schema)
        earlier = pq.ParquetFile(narrow)
        for group in range(earlier.num_row_groups):
            writer.write_table(earlier.read_row_group(group).cast(schema))
        narrow.unlink()
        return writer


def _values(values: Any) -> Any:
    """A column store as a frame's column: a typed array's numbers as they lie, a list as it is."""
    return np.frombuffer(values, dtype=_NUMBERS[values.typecode]) if isinstance(values, array) else values


def _kinds(data: list[Any]) -> str:
    """The storage kind of each column of a row group, one letter each (``l`` for a list)."""
    return "".join(values.typecode if isinstance(values, array) else "l" for values in data)


def _digest_bytes(values: Any) -> bytes:
    """What the digest reads of one row group of a column (see :meth:`sim.run.runtime.ColumnTable.digest_into`)."""
    if isinstance(values, array):
        return np.asarray(values, dtype=_NUMBERS[values.typecode]).tobytes()
    return repr(values)[1:-1].encode()  # the items as the list's repr shows them, brackets left out


def _feed_list(sha: hashlib._Hash, parts: Iterator[tuple[str, bytes]]) -> None:
    """Feed ``repr`` of the whole column as one list: row groups stored as numbers are shown as their items."""
    sha.update(b"[")
    first = True
    for kind, raw in parts:
        text = raw if kind == "l" else repr(np.frombuffer(raw, _NUMBERS[kind]).tolist())[1:-1].encode()
        if text:
            sha.update(text if first else b", " + text)
            first = False
    sha.update(b"]")


def _row_groups(path: Path, columns: Sequence[str] | None) -> Iterator[pd.DataFrame]:
    table = pq.ParquetFile(path)
    for group in range(table.num_row_groups):
        yield table.read_row_group(group, columns=None if columns is None else list(columns)).to_pandas()


def run_to_dir(scenario: Scenario, out: str | Path, *, seed: int, level: int = 0, file: str = "",
               settings: Sequence[Setting] = (), without: Sequence[str] = (), progress: ProgressHook | None = None,
               force: bool = False) -> RunResult:
    """Run ``scenario`` (as :func:`sim.run.runner.run_scenario` does) straight into the run directory ``out``.

    Its tables stream into the directory as they fill, so memory does not grow with the run's length; the
    directory is put in place as :func:`sim.run.rundir.staged_run` says. The result reads its tables from
    ``out`` when asked for them.
    """
    with staged_run(out, force=force) as staging:
        sink = ParquetSink(staging)
        try:
            result = run_scenario(scenario, seed=seed, level=level, file=file, settings=settings, without=without,
                                  progress=progress, sink=sink)
        finally:
            sink.close()
        write_journal(staging, result.journal)
    return RunResult(result.journal, RunTables(out))
