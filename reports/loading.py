"""Reading results as pandas DataFrames: runs and the memory database.

Results are runs held in memory (a :class:`sim.run.record.RunResult`, as
``run_scenario`` returns it), a run directory, or any folder holding run
directories at any depth (see :mod:`sim.run.layout`), or several of these.
Only the journal and the ``tasks`` and ``timeseries`` tables are always
there; every other table (``events``, ``faults``, ``audit``...) is optional,
and a reader asking for a table a run lacks gets ``None`` (for one run) or no
rows (across runs), never an error.

Nothing here runs a simulation.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from chaosbench.reports.metrics import recovery_after_faults
from chaosbench.sim.checks.measures import sla_compliance
from chaosbench.sim.run.layout import REQUIRED_TABLES, find_run_dirs, table_path
from chaosbench.sim.run.record import Journal, JournalError, RunResult
from chaosbench.sim.run.rundir import read_journal, read_table
from chaosbench.sim.run.verdict import Verdict

#: Columns of :func:`load_runs`, one row per run, and what each holds.
RUN_COLUMNS: dict[str, str] = {
    "run_dir": "the run directory (str; '' for a run held only in memory)",
    "scenario": "scenario name",
    "title": "scenario title ('' when it has none)",
    "file": "the scenario file the run was made from",
    "level": "difficulty level (int)",
    "seed": "seed (int)",
    "passed": "every probe held and every invariant held (bool)",
    "canary": "the scenario is tagged 'canary' or named 'canary...', so it must fail (bool)",
    "verdict": "what the outcome means to the suite (categorical): 'passed', 'failed', 'expected failure' (a "
               "canary that failed, as it must) or 'canary passed'",
    "ok": "the run counts as a success: passed, or a canary that failed (bool)",
    "probes": "number of probes (int)",
    "probes_failed": "number of probes that did not hold (int)",
    "failed_probes": "ids of the probes that did not hold (list of str)",
    "invariants_broken": "number of invariants that did not hold (int)",
    "safeguards_fired": "firings of all safeguards together (int)",
    "safeguards_missing": "expected safeguards that never fired (list of str)",
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
    "started_at": "when the run began, wall clock (datetime in UTC; NaT when the journal does not say)",
}

#: Columns of :func:`load_probes`, one row per probe per run.
PROBE_COLUMNS: dict[str, str] = {
    "run_dir": "the run directory (str; '' for a run held only in memory)",
    "scenario": "scenario name",
    "level": "difficulty level (int)",
    "seed": "seed (int)",
    "probe": "the probe's id, unique in its scenario: kind and parameters ('sla_compliance[critical]')",
    "kind": "the probe's kind ('sla_compliance', 'latency'...)",
    "params": "the parameters that pick what it measures (dict: priority, measure, quantile...)",
    "value": "measured value (float; NaN when it could not be measured)",
    "unit": "what the value is counted in ('s', 'ratio', 'tasks'...)",
    "op": "how the value is held to the bound: '>=' or '<=' (categorical)",
    "bound": "the bound's value (float), in the probe's unit",
    "margin": "how far the value is inside the bound, in its unit: negative when it failed (float)",
    "passed": "the value is within the bound (bool)",
}

#: Columns of :func:`load_safeguards`, one row per safeguard fired or expected per run.
SAFEGUARD_COLUMNS: dict[str, str] = {
    "run_dir": "the run directory (str; '' for a run held only in memory)",
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
    """One run as the reports see it: its journal, and its tables.

    A run read from a directory has its ``path``, and its tables are read on
    demand (never kept, so many runs fit in memory); a run held in memory
    has no path and brings its ``tables``.
    """

    journal: Journal
    path: Path | None = None
    tables: Mapping[str, pd.DataFrame] | None = None

    @classmethod
    def read(cls, run_dir: Path) -> RunRecord:
        """The run in ``run_dir``; a :class:`sim.run.record.JournalError` when its journal cannot be read."""
        return cls(read_journal(run_dir), path=run_dir)

    @classmethod
    def held(cls, result: RunResult) -> RunRecord:
        """A run held in memory."""
        return cls(result.journal, tables=result.tables)

    @property
    def run_dir(self) -> str:
        """The run directory, or '' for a run held only in memory."""
        return str(self.path) if self.path is not None else ""

    @property
    def scenario(self) -> str:
        return self.journal.scenario

    @property
    def level(self) -> int:
        return self.journal.level

    @property
    def seed(self) -> int:
        return self.journal.seed

    @property
    def passed(self) -> bool:
        return self.journal.passed

    @property
    def parameters(self) -> dict[str, Any]:
        return self.journal.parameters

    @property
    def canary(self) -> bool:
        """A scenario that must fail (:func:`sim.run.verdict.is_canary`)."""
        return self.journal.canary

    @property
    def verdict(self) -> Verdict:
        """What the run's outcome means to its suite (the canary rule, :mod:`sim.run.verdict`)."""
        return self.journal.verdict

    @property
    def ok(self) -> bool:
        return self.journal.ok

    @property
    def label(self) -> str:
        """``scenario[level2-seed7]``: how a run is named in reports and test results."""
        return self.journal.label

    def keys(self) -> dict[str, Any]:
        """The :data:`KEY_COLUMNS` of this run."""
        return {"run_dir": self.run_dir, "scenario": self.scenario, "level": self.level, "seed": self.seed}

    def table(self, name: str, columns: list[str] | None = None) -> pd.DataFrame | None:
        """The table ``name`` of this run (only ``columns`` when given), or None when the run has none."""
        if self.path is not None:
            return read_table(self.path, name, columns)
        table = (self.tables or {}).get(name)
        return table if table is None or columns is None else table[columns]


@dataclass(frozen=True)
class Unreadable:
    """A run directory (or sweep folder) left out of a report: where it is and why it cannot be read."""

    path: Path
    reason: str


#: What reading a damaged run raises: a missing or truncated file, a corrupt Parquet table, a missing column.
READ_ERRORS = (OSError, ValueError, KeyError, pa.ArrowException)


#: Where results are: a folder or run directory, a run held in memory or already found, or several of them.
Result = str | Path | RunResult | RunRecord
Results = Result | Iterable[Result]


def find_runs(results: Results, *, skipped: list[Unreadable] | None = None) -> list[RunRecord]:
    """Every run of ``results``, ordered by scenario, level, seed and run directory.

    A folder counts every run directory below it (or itself, when it is one); a run found twice counts once.
    Raises FileNotFoundError for a folder that does not exist, and
    :class:`sim.run.record.JournalError` for a journal that cannot be read, unless ``skipped`` is given:
    such a run is then left out and added to ``skipped``.
    """
    found: dict[object, RunRecord] = {}
    for item in result_items(results):
        for record in _records(item, skipped):
            # A run held in memory is the same run wherever its journal object turns up.
            found.setdefault(record.path.resolve() if record.path is not None else id(record.journal), record)
    return sorted(found.values(), key=lambda r: (r.scenario, r.level, r.seed, r.run_dir))


def result_items(results: Results) -> list[Result]:
    """``results`` as a list of its items (one item alone is a list of one)."""
    return [results] if isinstance(results, (str, Path, RunResult, RunRecord)) else list(results)


def _records(item: Result, skipped: list[Unreadable] | None) -> list[RunRecord]:
    if isinstance(item, RunRecord):
        return [item]
    if isinstance(item, RunResult):
        return [RunRecord.held(item)]
    root = Path(item)
    if not root.exists():
        raise FileNotFoundError(f"no results at {root}")
    records = []
    for run_dir in find_run_dirs(root):
        try:
            records.append(RunRecord.read(run_dir))
        except JournalError as exc:
            if skipped is None:
                raise
            skipped.append(Unreadable(run_dir, str(exc)))
    return records


def runs_frame(records: list[RunRecord]) -> pd.DataFrame:
    """The :data:`RUN_COLUMNS` frame of already found runs."""
    return _typed_runs(pd.DataFrame([_run_row(record) for record in records], columns=list(RUN_COLUMNS)))


#: The verdicts of :data:`RUN_COLUMNS`' ``verdict``, in the order reports list them.
VERDICTS = pd.CategoricalDtype([str(verdict) for verdict in Verdict])


def _typed_runs(frame: pd.DataFrame) -> pd.DataFrame:
    """The run columns in the types analysts expect: booleans, a categorical verdict, a UTC datetime."""
    return frame.astype({"passed": bool, "canary": bool, "ok": bool, "verdict": VERDICTS}).assign(
        started_at=pd.to_datetime(frame["started_at"], utc=True, errors="coerce", format="ISO8601"))


def readable_runs(records: list[RunRecord], skipped: list[Unreadable]) -> tuple[list[RunRecord], pd.DataFrame]:
    """The runs whose tables can be read, with their :data:`RUN_COLUMNS` frame; each other run is added to
    ``skipped`` with the reason (a required table missing, a truncated or corrupt Parquet file, a table without
    its columns)."""
    kept, rows = [], []
    for record in records:
        if record.path is not None:
            missing = [name for name in REQUIRED_TABLES if not table_path(record.path, name).is_file()]
            if missing:
                skipped.append(Unreadable(record.path, f"lacks its {' and '.join(missing)} table"))
                continue
        try:
            rows.append(_run_row(record))
        except READ_ERRORS as exc:
            skipped.append(Unreadable(record.path or Path(record.label), f"a table cannot be read: {exc}"))
            continue
        kept.append(record)
    return kept, _typed_runs(pd.DataFrame(rows, columns=list(RUN_COLUMNS)))


def load_runs(results: Results) -> pd.DataFrame:
    """One row per run of ``results``, with the columns of :data:`RUN_COLUMNS`."""
    return runs_frame(find_runs(results))


def _run_row(record: RunRecord) -> dict[str, Any]:
    journal = record.journal
    failed = [probe.id for probe in journal.failed_probes]
    return {
        **record.keys(),
        "title": journal.title,
        "file": journal.file,
        "passed": journal.passed,
        "canary": journal.canary,
        "verdict": str(journal.verdict),
        "ok": journal.ok,
        "probes": len(journal.probes),
        "probes_failed": len(failed),
        "failed_probes": failed,
        "invariants_broken": len(journal.broken_invariants),
        "safeguards_fired": int(sum(journal.safeguards.fired.values())),
        "safeguards_missing": list(journal.safeguards.missing),
        "faults": _fault_count(record),
        "findings": len(journal.findings),
        "sla_compliance": run_sla_compliance(record),
        "recovery_time_s": run_recovery_time(record),
        "trace_digest": journal.trace_digest,
        "sim_time": journal.sim_time,
        "wall_time_s": journal.wall_time_s,
        "events_processed": journal.events_processed,
        "reproduce": journal.reproduce,
        "started_at": journal.context.started_at or None,
    }


def _fault_count(record: RunRecord) -> int:
    faults = record.table("faults")
    return len(faults) if faults is not None else len(record.parameters.get("faults") or [])


def run_sla_compliance(record: RunRecord) -> float:
    """SLA compliance of all measured tasks of one run, as the ``sla_compliance`` probe measures it."""
    tasks = record.table("tasks", ["enqueued_at", "finished_at", "deadline", "outcome"])
    if tasks is None:
        return float("nan")
    return sla_compliance(tasks, warmup=record.journal.warmup, end=record.journal.sim_time)


def run_recovery_time(record: RunRecord) -> float:
    """The run's ``recovery_time`` probe when it has one, else measured from its timeseries and faults."""
    for probe in record.journal.probes:
        if probe.kind == "recovery_time" and not math.isnan(probe.value):
            return probe.value
    faults, series = record.table("faults"), record.table("timeseries", ["time", "depth_total"])
    if faults is None or series is None:
        return float("nan")
    return recovery_after_faults(series, faults, record.journal.warmup)


def load_probes(results: Results) -> pd.DataFrame:
    """One row per probe per run of ``results``, with the columns of :data:`PROBE_COLUMNS`."""
    rows = [
        {**record.keys(), "probe": probe.id, "kind": probe.kind, "params": probe.params, "value": probe.value,
         "unit": probe.unit, "op": probe.bound.op, "bound": probe.bound.value, "margin": probe.margin,
         "passed": probe.passed}
        for record in find_runs(results) for probe in record.journal.probes
    ]
    return pd.DataFrame(rows, columns=list(PROBE_COLUMNS)).astype({"passed": bool, "op": OPS, "value": float,
                                                                   "bound": float, "margin": float})


#: How a probe's value is held to its bound.
OPS = pd.CategoricalDtype([">=", "<="])


def load_counts(results: Results) -> pd.DataFrame:
    """One row per run: :data:`KEY_COLUMNS`, then every count of its journal (``tasks_<outcome>``,
    ``tasks_created``, ``router.events_received``...); a count a run lacks is 0."""
    rows = []
    for record in find_runs(results):
        counts = record.journal.counts
        rows.append({**record.keys(), "tasks_created": counts.tasks_created,
                     **{f"tasks_{outcome}": n for outcome, n in counts.tasks.items()}, **counts.counters})
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=list(KEY_COLUMNS))
    counted = [column for column in frame.columns if column not in KEY_COLUMNS]
    frame[counted] = frame[counted].fillna(0).astype("int64")
    return frame


def load_tasks(results: Results) -> pd.DataFrame:
    """Every task of every run of ``results``: the ``tasks`` tables stacked, keyed by :data:`KEY_COLUMNS`, with
    ``priority`` an ordered categorical (CRITICAL, HIGH, NORMAL, LOW) and ``outcome`` a categorical."""
    return load_table(results, "tasks")


def load_safeguards(results: Results) -> pd.DataFrame:
    """One row per safeguard fired or expected per run, with the columns of :data:`SAFEGUARD_COLUMNS`."""
    rows = []
    for record in find_runs(results):
        safeguards = record.journal.safeguards
        for name in sorted(set(safeguards.fired) | set(safeguards.expected)):
            rows.append({**record.keys(), "safeguard": name, "fired": int(safeguards.fired.get(name, 0)),
                         "expected": name in safeguards.expected})
    return pd.DataFrame(rows, columns=list(SAFEGUARD_COLUMNS))


def load_table(results: Results, name: str) -> pd.DataFrame:
    """The table ``name`` of every run that has it, stacked, each row keyed by :data:`KEY_COLUMNS`.

    Runs without the table add no rows; when none has it the frame is empty.
    """
    frames = []
    for record in find_runs(results):
        table = record.table(name)
        if table is None:
            continue
        keys = pd.DataFrame(record.keys(), index=table.index)
        frames.append(pd.concat([keys, table], axis=1))
    if not frames:
        return pd.DataFrame(columns=list(KEY_COLUMNS))
    return pd.concat(frames, ignore_index=True)
