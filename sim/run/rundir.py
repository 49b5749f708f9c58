"""Writing and reading run directories (the layout is :mod:`sim.run.layout`).

A run directory is written beside its final place and renamed into it, so a
reader never sees half a run and an earlier result is replaced only by a
complete one. Reading validates the journal through :class:`sim.run.record.Journal`.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from chaosbench.sim.run.layout import (
    MARKER,
    TABLES,
    holds_only_a_run,
    journal_path,
    retired_dir,
    staging_prefix,
    table_path,
)
from chaosbench.sim.run.record import Journal, JournalError, RunResult, journal_from_json


class RunDirError(ValueError):
    """A run cannot be written where it was asked to go: the folder holds something other than a run."""


def check_run_dir(out: str | Path) -> Path:
    """``out`` as a path a run may be written to: absent, an empty folder, or a run directory.

    Raises :class:`RunDirError` naming ``out`` otherwise (a file, a project folder, a folder of earlier runs), so
    that a run never replaces what chaosbench did not write.
    """
    out = Path(out)
    if out.exists() and not (out.is_dir() and holds_only_a_run(out)):
        what = "a file" if not out.is_dir() else "a folder that is not a chaosbench run directory"
        raise RunDirError(f"{out}: is {what}; a run is written only to a new folder, an empty one, "
                          "or a run directory it replaces")
    return out


def write_run(result: RunResult, out: str | Path) -> Path:
    """Write ``result`` to the directory ``out`` (replacing a previous run there) and return it.

    ``out`` must pass :func:`check_run_dir`; nothing is written when it does not.
    """
    out = check_run_dir(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=staging_prefix(out), dir=out.parent))
    try:
        (staging / MARKER).write_text("", encoding="utf-8")
        for name, frame in result.tables.items():
            frame.to_parquet(table_path(staging, name), index=False)
        journal_path(staging).write_text(result.journal.model_dump_json(indent=2) + "\n", encoding="utf-8")
        if out.exists():
            retired = retired_dir(out)
            shutil.rmtree(retired, ignore_errors=True)
            os.replace(out, retired)
            os.replace(staging, out)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def read_journal(run_dir: str | Path) -> Journal:
    """The journal of a run directory; a :class:`JournalError` naming the file when it cannot be read."""
    path = journal_path(run_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise JournalError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return journal_from_json(text, str(path))


def read_table(run_dir: str | Path, name: str, columns: list[str] | None = None) -> pd.DataFrame | None:
    """The table ``name`` of a run directory (only ``columns`` when given), or None when the run has none."""
    path = table_path(run_dir, name)
    return pd.read_parquet(path, columns=columns) if path.is_file() else None


def read_run(run_dir: str | Path) -> RunResult:
    """A whole run directory in memory: its journal and every table it holds."""
    tables = {name: table for name in TABLES if (table := read_table(run_dir, name)) is not None}
    return RunResult(read_journal(run_dir), tables)
