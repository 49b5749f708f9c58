"""A sweep's output folder: one small JSON part per finished run, and the tables assembled from them.

Every file is written beside its place and renamed into it, so an
interrupted sweep leaves only complete parts behind and a rerun picks up
from them.
"""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from chaosbench.sim.run.rundir import RunDirError

PARTS = "parts"
#: What a sweep folder holds besides its parts: a folder holding anything else is not a sweep's.
SWEEP_FILES = frozenset({PARTS, "sweep.json", "results.parquet", "summary.parquet"})


def check_sweep_dir(out: str | Path) -> Path:
    """``out`` as a folder a sweep may write to: absent, empty, or the folder of a sweep (which it resumes);
    a :class:`RunDirError` naming it otherwise, so that a sweep never overwrites files it did not write."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise RunDirError(out, "is a file; a sweep writes to a new folder, an empty one, or an earlier sweep's")
    if out.is_dir():
        names = {path.name for path in out.iterdir() if not path.name.startswith(".")}
        if names and not (PARTS in names and names <= SWEEP_FILES):
            others = ", ".join(sorted(names - SWEEP_FILES)[:5]) or "no parts folder"
            raise RunDirError(out, f"is a folder that is not a sweep's ({others}); a sweep writes to a new "
                                   "folder, an empty one, or an earlier sweep's, which it resumes")
    return out


class PartStore:
    """The folder ``out``: ``parts/<key>.json`` per run, ``<name>.parquet`` per assembled table."""

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)
        self._parts = self.out / PARTS
        self._parts.mkdir(parents=True, exist_ok=True)

    def keys(self) -> set[str]:
        """Keys of the runs already stored."""
        return {path.stem for path in self._parts.glob("*.json")}

    def write(self, record: dict[str, Any]) -> Path:
        """Store one run's record under its ``key``."""
        target = self._parts / f"{record['key']}.json"
        _atomic_write(target, lambda path: Path(path).write_text(json.dumps(record, allow_nan=False), encoding="utf-8"))
        return target

    def read(self, key: str) -> dict[str, Any]:
        record: dict[str, Any] = json.loads((self._parts / f"{key}.json").read_text(encoding="utf-8"))
        return record

    def write_table(self, name: str, frame: pd.DataFrame) -> Path:
        target = self.out / f"{name}.parquet"
        _atomic_write(target, lambda path: frame.to_parquet(path, index=False))
        return target

    def write_json(self, name: str, data: Any) -> Path:
        target = self.out / f"{name}.json"
        _atomic_write(target, lambda path: Path(path).write_text(json.dumps(data, indent=2, allow_nan=False) + "\n",
                                                                 encoding="utf-8"))
        return target


def _atomic_write(target: Path, write: Callable[[str], object]) -> None:
    handle, staging = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    try:
        write(staging)
        os.replace(staging, target)
    except BaseException:
        os.unlink(staging)
        raise
