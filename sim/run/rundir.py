"""Writing and reading run directories (DESIGN §4).

A run directory is written beside its final place and renamed into it, so a
reader never sees half a run and an earlier result is replaced only by a
complete one.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from chaosbench.sim.run.runner import RunResult

JOURNAL = "journal.json"


def default_run_dir(scenario: str, level: int, seed: int, root: str | Path = "runs") -> Path:
    """``runs/<scenario>/level<L>-seed<S>``."""
    return Path(root) / scenario / f"level{level}-seed{seed}"


def write_run(result: RunResult, out: str | Path) -> Path:
    """Write ``result`` to the directory ``out`` (replacing a previous run there) and return it."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name, frame in result.tables.items():
            frame.to_parquet(staging / f"{name}.parquet", index=False)
        (staging / JOURNAL).write_text(json.dumps(_plain(result.journal), indent=2) + "\n", encoding="utf-8")
        if out.exists():
            retired = out.with_name(f".{out.name}.old")
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


def read_journal(run_dir: str | Path) -> dict:
    """The journal of a run directory."""
    return json.loads((Path(run_dir) / JOURNAL).read_text(encoding="utf-8"))


def read_table(run_dir: str | Path, name: str) -> pd.DataFrame:
    """One Parquet table of a run directory (``tasks``, ``timeseries``...)."""
    return pd.read_parquet(Path(run_dir) / f"{name}.parquet")


def _plain(value: Any) -> Any:
    """JSON-safe copy: NaN and infinities become null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value
