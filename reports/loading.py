"""Reading results as pandas DataFrames: run directories and the memory database.

A results folder is one run directory, or any folder holding run directories
at any depth: every ``journal.json`` found below it marks one run. Only the
journal and the ``tasks`` and ``timeseries`` tables are always there; every
other table (``events``, ``faults``, ``audit``...) is optional, and a reader
asking for a table a run lacks gets ``None`` (for one run) or no rows (across
runs), never an error.

Nothing here runs a simulation.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from chaosbench.reports.metrics import recovery_time, sla_compliance

JOURNAL = "journal.json"

#: Columns of :func:`load_runs`, one row per run, and what each holds.
RUN_COLUMNS: dict[str, str] = {
    "run_dir": "the run directory (str)",
    "scenario": "scenario name",
    "title": "scenario title ('' when it has none)",
    "file": "the scenario file the run was made from",
    "level": "difficulty level (int)",
    "seed": "seed (int)",
    "passed": "the run's verdict: every probe held and every invariant held (bool)",
    "canary": "the scenario is tagged 'canary' or named 'canary...', so it must fail (bool)",
    "probes": "number of probes (int)",
    "probes_failed": "number of probes that did not hold (int)",
    "failed_probes": "names of the probes that did not hold, comma-separated",
    "invariants_broken": "number of invariants that did not hold (int)",
    "safeguards_fired": "firings of all safeguards together (int)",
    "safeguards_missing": "expected safeguards that never fired, comma-separated",
    "faults": "number of faults: rows of the faults table, else the faults the scenario names (int)",
    "findings": "number of findings in the journal (int)",
    "sla_compliance": "share of measured tasks finished by their deadline, all priorities (float)",
    "recovery_time_s": "seconds from the last fault's end until the queue settled; infinity when it never "
                       "did, NaN when the run had no faults (float)",
    "trace_digest": "the run's trace digest",
    "sim_time": "simulated seconds (float)",
    "wall_time_s": "wall-clock seconds the run took (float)",
    "events_processed": "simulation events processed (int)",
    "reproduce": "the command that reruns it",
}

#: Columns of :func:`load_probes`, one row per probe per run.
PROBE_COLUMNS: dict[str, str] = {
    "run_dir": "the run directory (str)",
    "scenario": "scenario name",
    "level": "difficulty level (int)",
    "seed": "seed (int)",
    "probe": "probe name",
    "value": "measured value (float; NaN when it could not be measured)",
    "bound": "the bound it is held to, as text ('>= 0.99', '<= 30s')",
    "passed": "the value is within the bound (bool)",
}

#: Columns of :func:`load_safeguards`, one row per safeguard fired or expected per run.
SAFEGUARD_COLUMNS: dict[str, str] = {
    "run_dir": "the run directory (str)",
    "scenario": "scenario name",
    "level": "difficulty level (int)",
    "seed": "seed (int)",
    "safeguard": "safeguard name",
    "fired": "how many times it fired in the run (int)",
    "expected": "the scenario expects it to fire (bool)",
}

#: Columns :func:`load_table` and :func:`load_counts` put first, naming the run of each row.
KEY_COLUMNS = ("run_dir", "scenario", "level", "seed")


@dataclass(frozen=True)
class RunRecord:
    """One run directory: its journal, and its tables read on demand (never kept, so many runs fit in memory)."""

    path: Path
    journal: dict

    @property
    def scenario(self) -> str:
        return self.journal["scenario"]

    @property
    def level(self) -> int:
        return int(self.journal.get("level", 0))

    @property
    def seed(self) -> int:
        return int(self.journal.get("seed", 0))

    @property
    def passed(self) -> bool:
        return bool(self.journal.get("passed"))

    @property
    def parameters(self) -> dict:
        return self.journal.get("parameters") or {}

    @property
    def canary(self) -> bool:
        """A scenario that must fail: tagged ``canary``, or named ``canary...``."""
        return "canary" in (self.parameters.get("tags") or []) or self.scenario.startswith("canary")

    @property
    def label(self) -> str:
        """``scenario[level2-seed7]``: how a run is named in reports and test results."""
        return f"{self.scenario}[level{self.level}-seed{self.seed}]"

    def table(self, name: str, columns: list[str] | None = None) -> pd.DataFrame | None:
        """The table ``name`` of this run (only ``columns`` when given), or None when the run has none."""
        path = self.path / f"{name}.parquet"
        return pd.read_parquet(path, columns=columns) if path.is_file() else None


#: A results folder or run directory, or several of them.
Results = str | Path | Iterable[str | Path]


def find_runs(results: Results) -> list[RunRecord]:
    """Every run below ``results`` (or ``results`` itself), ordered by scenario, level, seed and path.

    ``results`` may also be several folders or run directories; a run found twice counts once.
    """
    roots = [Path(results)] if isinstance(results, (str, Path)) else [Path(item) for item in results]
    found: dict[Path, RunRecord] = {}
    for root in roots:
        if not root.exists():
            raise FileNotFoundError(f"no results at {root}")
        journals = [root / JOURNAL] if (root / JOURNAL).is_file() else sorted(root.rglob(JOURNAL))
        for path in journals:
            if not _hidden(path.parent, root) and path.parent.resolve() not in found:
                found[path.parent.resolve()] = RunRecord(path.parent, json.loads(path.read_text(encoding="utf-8")))
    return sorted(found.values(), key=lambda r: (r.scenario, r.level, r.seed, str(r.path)))


def _hidden(run_dir: Path, root: Path) -> bool:
    """Run directories being written or retired are dot-named (``sim.results.write_run``); skip them."""
    try:
        parts = run_dir.relative_to(root).parts
    except ValueError:
        return False
    return any(part.startswith(".") for part in parts)


def runs_frame(records: list[RunRecord]) -> pd.DataFrame:
    """The :data:`RUN_COLUMNS` frame of already found runs."""
    return pd.DataFrame([_run_row(record) for record in records], columns=list(RUN_COLUMNS))


def load_runs(results: Results) -> pd.DataFrame:
    """One row per run below ``results``, with the columns of :data:`RUN_COLUMNS`."""
    return runs_frame(find_runs(results))


def _run_row(record: RunRecord) -> dict:
    journal = record.journal
    probes = journal.get("probes") or []
    failed = [p["name"] for p in probes if not p.get("passed")]
    safeguards = journal.get("safeguards") or {}
    invariants = journal.get("invariants") or {}
    return {
        "run_dir": str(record.path),
        "scenario": record.scenario,
        "title": record.parameters.get("title") or "",
        "file": journal.get("file", ""),
        "level": record.level,
        "seed": record.seed,
        "passed": record.passed,
        "canary": record.canary,
        "probes": len(probes),
        "probes_failed": len(failed),
        "failed_probes": ", ".join(failed),
        "invariants_broken": sum(1 for item in invariants.values() if not item.get("held")),
        "safeguards_fired": int(sum((safeguards.get("fired") or {}).values())),
        "safeguards_missing": ", ".join(safeguards.get("missing") or []),
        "faults": _fault_count(record),
        "findings": len(journal.get("findings") or []),
        "sla_compliance": run_sla_compliance(record),
        "recovery_time_s": run_recovery_time(record),
        "trace_digest": journal.get("trace_digest", ""),
        "sim_time": float(journal.get("sim_time") or 0.0),
        "wall_time_s": float(journal.get("wall_time_s") or 0.0),
        "events_processed": int(journal.get("events_processed") or 0),
        "reproduce": journal.get("reproduce", ""),
    }


def _fault_count(record: RunRecord) -> int:
    faults = record.table("faults")
    return len(faults) if faults is not None else len(record.parameters.get("faults") or [])


def run_sla_compliance(record: RunRecord) -> float:
    """SLA compliance of all measured tasks of one run, as the ``sla_compliance`` probe measures it."""
    tasks = record.table("tasks", ["enqueued_at", "finished_at", "deadline", "outcome"])
    if tasks is None:
        return float("nan")
    warmup = float(record.parameters.get("warmup") or 0.0)
    return sla_compliance(tasks, warmup=warmup, end=float(record.journal.get("sim_time") or 0.0))


def run_recovery_time(record: RunRecord) -> float:
    """The run's ``recovery_time`` probe when it has one, else measured from its timeseries and faults."""
    for probe in record.journal.get("probes") or []:
        if probe["name"] == "recovery_time" and probe.get("value") is not None:
            return float(probe["value"])
    faults, series = record.table("faults"), record.table("timeseries", ["time", "depth_total"])
    if faults is None or series is None:
        return float("nan")
    return recovery_time(series, faults, float(record.parameters.get("warmup") or 0.0))


def load_probes(results: Results) -> pd.DataFrame:
    """One row per probe per run below ``results``, with the columns of :data:`PROBE_COLUMNS`."""
    rows = [
        {"run_dir": str(r.path), "scenario": r.scenario, "level": r.level, "seed": r.seed,
         "probe": p["name"], "value": float("nan") if p.get("value") is None else float(p["value"]),
         "bound": p.get("bound", ""), "passed": bool(p.get("passed"))}
        for r in find_runs(results) for p in r.journal.get("probes") or []
    ]
    return pd.DataFrame(rows, columns=list(PROBE_COLUMNS))


def load_counts(results: Results) -> pd.DataFrame:
    """One row per run: :data:`KEY_COLUMNS`, then every count of its journal (``tasks_<outcome>``,
    ``tasks_created``, ``router.events_received``...); a count a run lacks is 0."""
    rows = []
    for record in find_runs(results):
        counts = record.journal.get("counts") or {}
        row = {"run_dir": str(record.path), "scenario": record.scenario, "level": record.level, "seed": record.seed}
        for key, value in counts.items():
            if isinstance(value, dict):
                row.update({f"{key}_{inner}": item for inner, item in value.items()})
            else:
                row[key] = value
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=list(KEY_COLUMNS))
    counts = [column for column in frame.columns if column not in KEY_COLUMNS]
    frame[counts] = frame[counts].fillna(0).astype("int64")
    return frame


def load_safeguards(results: Results) -> pd.DataFrame:
    """One row per safeguard fired or expected per run, with the columns of :data:`SAFEGUARD_COLUMNS`."""
    rows = []
    for record in find_runs(results):
        safeguards = record.journal.get("safeguards") or {}
        fired, expected = safeguards.get("fired") or {}, safeguards.get("expected") or []
        for name in sorted(set(fired) | set(expected)):
            rows.append({"run_dir": str(record.path), "scenario": record.scenario, "level": record.level,
                         "seed": record.seed, "safeguard": name, "fired": int(fired.get(name, 0)),
                         "expected": name in expected})
    return pd.DataFrame(rows, columns=list(SAFEGUARD_COLUMNS))


def load_table(results: Results | list[RunRecord], name: str) -> pd.DataFrame:
    """The table ``name`` of every run that has it, stacked, each row keyed by :data:`KEY_COLUMNS`.

    Runs without the table add no rows; when none has it the frame is empty.
    """
    is_records = isinstance(results, list) and results and isinstance(results[0], RunRecord)
    records = results if is_records else find_runs(results)
    frames = []
    for record in records:
        table = record.table(name)
        if table is None:
            continue
        keys = pd.DataFrame({"run_dir": str(record.path), "scenario": record.scenario,
                             "level": record.level, "seed": record.seed}, index=table.index)
        frames.append(pd.concat([keys, table], axis=1))
    if not frames:
        return pd.DataFrame(columns=list(KEY_COLUMNS))
    return pd.concat(frames, ignore_index=True)


def load_memory(db: str | Path) -> dict[str, pd.DataFrame]:
    """Every table of the memory database, by name, opened read-only; ``{}`` when there is no database."""
    path = Path(db)
    if not path.is_file():
        return {}
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as connection:
        names = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {name: pd.read_sql(f'SELECT * FROM "{name}"', connection) for name in names}
