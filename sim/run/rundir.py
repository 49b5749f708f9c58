"""Writing and reading run directories (the layout is :mod:`sim.run.layout`).

A run directory is written beside its final place and renamed into it, so a
reader never sees half a run, an earlier result is replaced only by a
complete one, and two writers of one run directory take turns. Reading
validates the journal through :class:`sim.run.record.Journal`.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from chaosbench.sim.run.layout import (
    MARKER,
    RUN_TABLES,
    holds_a_run,
    journal_path,
    retired_dir,
    run_files,
    staging_prefix,
    table_path,
)
from chaosbench.sim.run.record import Journal, JournalError, RunResult, journal_from_json


class RunDirError(ValueError):
    """A run cannot be written where it was asked to go: the folder holds something other than a run."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def check_run_dir(out: str | Path, *, force: bool = False) -> Path:
    """``out`` as a path a run may be written to: absent, an empty folder, or a run directory.

    A run directory that also holds files a run does not write (notes put there by hand) is kept unless
    ``force``. Anything else (a file, a project folder, a folder of earlier runs) raises :class:`RunDirError`
    naming ``out``, with or without ``force``: a run never replaces what chaosbench did not write.
    """
    out = Path(out)
    if not out.exists() and not out.is_symlink():
        return out
    if not out.is_dir() or out.is_symlink():
        raise RunDirError(out, "is a file or a link; a run is written only to a new folder, an empty one, "
                               "or a run directory it replaces")
    names = sorted(path.name for path in out.iterdir())
    if not names or (holds_a_run(names) and (force or run_files(names))):
        return out
    if holds_a_run(names):
        others = ", ".join(name for name in names if not run_files([name]))
        raise RunDirError(out, f"is a run directory that also holds {others}; --force replaces it with them")
    raise RunDirError(out, "is a folder that is not a chaosbench run directory; a run is written only to a new "
                           "folder, an empty one, or a run directory it replaces (--force replaces only a run)")


def write_run(result: RunResult, out: str | Path, *, force: bool = False) -> Path:
    """Write ``result`` to the directory ``out`` (replacing a previous run there) and return it.

    ``out`` must pass :func:`check_run_dir` (with ``force``); nothing is written when it does not. See
    :func:`staged_run` for how the run is put in place.
    """
    with staged_run(out, force=force) as staging:
        for name, frame in result.tables.items():
            frame.to_parquet(table_path(staging, name), index=False)
        write_journal(staging, result.journal)
    return Path(out)


def write_journal(run_dir: Path, journal: Journal) -> None:
    """Write ``journal`` as the journal of ``run_dir``."""
    journal_path(run_dir).write_text(journal.model_dump_json(indent=2) + "\n", encoding="utf-8")


@contextmanager
def staged_run(out: str | Path, *, force: bool = False) -> Iterator[Path]:
    """A staging folder to write a run into, swapped in as ``out`` when the block ends without an error.

    ``out`` must pass :func:`check_run_dir` (with ``force``). The staging folder is made beside ``out`` (a
    dot-named folder, which readers skip) and renamed into place under the lock of the folder holding
    ``out``, so a reader never sees half a run and two writers of ``out`` never mix their files: the last one
    wins, whole. When the block fails, the staging folder is removed and ``out`` is left as it was.
    """
    out = check_run_dir(out, force=force)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=staging_prefix(out), dir=out.parent))
    except OSError as exc:
        raise _named(exc, out) from None
    try:
        (staging / MARKER).write_text("", encoding="utf-8")
        yield staging
        with _locked(out.parent):
            _swap_in(staging, check_run_dir(out, force=force))
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise _named(exc, out) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _named(exc: OSError, out: Path) -> OSError:
    """``exc`` naming the run directory asked for rather than the staging folder it happened in."""
    return OSError(exc.errno, exc.strerror, str(out)) if exc.errno is not None else exc


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold the lock of ``folder`` (the folder itself, so that no lock file is left beside the runs)."""
    handle = os.open(folder, os.O_RDONLY | os.O_CLOEXEC)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def _swap_in(staging: Path, out: Path) -> None:
    if out.exists():
        retired = retired_dir(out)
        shutil.rmtree(retired, ignore_errors=True)
        os.replace(out, retired)
        os.replace(staging, out)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.replace(staging, out)


def read_journal(run_dir: str | Path) -> Journal:
    """The journal of a run directory; a :class:`JournalError` naming the file when it cannot be read."""
    path = journal_path(run_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise JournalError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise JournalError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    return journal_from_json(text, str(path))


def read_table(run_dir: str | Path, name: str, columns: list[str] | None = None) -> pd.DataFrame | None:
    """The table ``name`` of a run directory (only ``columns`` when given), or None when the run has none."""
    path = table_path(run_dir, name)
    return pd.read_parquet(path, columns=columns) if path.is_file() else None


class RunTables(Mapping[str, pd.DataFrame]):
    """The tables of a run directory by name, each read from its file when asked for (not kept)."""

    def __init__(self, run_dir: str | Path) -> None:
        self.run_dir = Path(run_dir)
        self._names = [name for name in RUN_TABLES if table_path(run_dir, name).is_file()]

    def __getitem__(self, name: str) -> pd.DataFrame:
        table = read_table(self.run_dir, name) if name in self._names else None
        if table is None:
            raise KeyError(name)
        return table

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def read_run(run_dir: str | Path) -> RunResult:
    """A whole run directory in memory: its journal and every table it holds."""
    tables = {name: table for name in RUN_TABLES if (table := read_table(run_dir, name)) is not None}
    return RunResult(read_journal(run_dir), tables)
