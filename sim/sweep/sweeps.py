"""Sweeps: one scenario over the cartesian product of settings × levels × seeds.

A *setting* is one combination of the values given for each ``--set`` path.
A run is shipped to an executor as plain data (the raw document, the file it
came from, the overrides, the level, the seed) and comes back as plain data
(the journal's verdict, digest, probe values and counts), so any executor,
down to a remote Dask worker, gives the same result for the same run.

Each finished run is written at once to its own part file under
``OUT/parts``, named by a key derived from everything that determines the
run; a rerun of the same sweep skips the runs whose part exists. The tidy
table and the per-setting summary are assembled from the parts.
"""
from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from chaosbench.orchestration.tasks.model import OUTCOMES
from chaosbench.sim.checks.identity import probe_column
from chaosbench.sim.checks.intervals import summarize
from chaosbench.sim.parallel.executors import Executor, WorkFailed
from chaosbench.sim.run.record import versions
from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.scenario.loader import Problem, ScenarioError, read_yaml
from chaosbench.sim.scenario.overrides import Axis, scenario_at
from chaosbench.sim.sweep.parts import PartStore

_VERSION = versions()["chaosbench"]
#: Most runs one sweep may plan (settings x levels x seeds).
MAX_SWEEP_RUNS = 100_000
T = TypeVar("T")


class SweepRunError(WorkFailed):
    """A run of a sweep that could not be carried out (its message says why)."""


@dataclass(frozen=True)
class Sweep:
    """What to run: a scenario file, its ``--set`` axes, levels and seeds, and the safeguards turned off in all."""

    file: str
    document: dict[str, Any]
    axes: tuple[Axis, ...]
    levels: tuple[int, ...]
    seeds: tuple[int, ...]
    without: tuple[str, ...] = ()
    name: str = "scenario"  # the scenario's name, as validated

    @property
    def paths(self) -> list[str]:
        return [path for path, _ in self.axes]

    def settings(self) -> list[tuple[tuple[Any, str], ...]]:
        """Every combination of the axes' values, in the order given."""
        return list(itertools.product(*(values for _, values in self.axes)))

    def runs(self) -> list[dict[str, Any]]:
        """Every run as plain data, settings outermost and seeds innermost."""
        runs = []
        scenario = _canonical(self.document)
        switches = [["--without", name] for name in self.without]  # in the key only, so parts never mix
        for setting in self.settings():
            overrides = [[path, value] for path, (value, _) in zip(self.paths, setting, strict=True)]
            for level in self.levels:
                for seed in self.seeds:
                    runs.append({"key": run_key(scenario, [*overrides, *switches], level, seed), "file": self.file,
                                 "document": self.document, "overrides": overrides, "without": list(self.without),
                                 "level": level, "seed": seed})
        return runs


def load_sweep(file: str | Path, axes: Sequence[Axis], levels: Sequence[int], seeds: Sequence[int],
               without: Sequence[str] = ()) -> Sweep:
    """Read the scenario and check every setting at every level; a :class:`ScenarioError` names the first bad one."""
    planned = math.prod(len(values) for _, values in axes) * len(levels) * len(seeds)
    if planned > MAX_SWEEP_RUNS:
        raise ScenarioError(file, [Problem("--seeds", f"the sweep would make {planned:,} runs (settings x levels x "
                                                      f"seeds); at most {MAX_SWEEP_RUNS:,} are allowed")])
    document = read_yaml(file)
    sweep = Sweep(str(file), document, tuple(axes), tuple(levels), tuple(seeds), tuple(without))
    paths = sweep.paths
    if len(set(paths)) != len(paths):
        raise ScenarioError(file, [Problem("--set", "each path may be given once; list its values with commas")])
    for path, values in axes:
        texts = [json.dumps(value, sort_keys=True, default=str) for value, _ in values]
        if len(set(texts)) != len(texts):
            raise ScenarioError(file, [Problem(f"--set {path}", "a value is given twice: its runs would be counted "
                                                                "twice under one setting")])
    names = [scenario_at(document, [[path, value] for path, (value, _) in zip(paths, setting, strict=True)],
                         str(file), level, without).name
             for setting in sweep.settings() for level in levels]
    return dataclasses.replace(sweep, name=names[0]) if names else sweep


def run_key(document: str, overrides: Sequence[Sequence[Any]], level: int, seed: int) -> str:
    """A stable name for a run: a digest of everything that determines it.

    ``document`` is the scenario as canonical JSON; the chaosbench version is
    part of the key, so a new release never reuses an older release's parts.
    """
    text = _canonical([_VERSION, document, overrides, level, seed])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))


def run_one(spec: dict[str, Any]) -> dict[str, Any]:
    """Carry out one run described by plain data; its record as plain data."""
    settings = [(path, value) for path, value in spec["overrides"]]
    without = spec.get("without", [])
    try:
        scenario = scenario_at(spec["document"], settings, spec["file"], spec["level"], without)
        result = run_scenario(scenario, seed=spec["seed"], level=spec["level"], file=spec["file"], settings=settings,
                              without=without)
    except ScenarioError as exc:
        raise SweepRunError(exc.render()) from None
    journal = result.journal
    return {
        "key": spec["key"],
        "setting": dict(settings),
        "level": spec["level"],
        "seed": spec["seed"],
        "passed": journal.passed,
        "trace_digest": journal.trace_digest,
        "probes": {probe_column(probe.id): _finite(probe.value) for probe in journal.probes},
        "about": {probe.id: {"kind": probe.kind, "params": probe.params, "unit": probe.unit,
                             "bound": probe.bound.model_dump()} for probe in journal.probes},
        "wall_time_s": journal.wall_time_s,
        "sim_time": journal.sim_time,
        "events_processed": journal.events_processed,
        "counts": {"tasks_created": journal.counts.tasks_created,
                   **{f"tasks_{outcome}": n for outcome, n in journal.counts.tasks.items()}},
        "reproduce": journal.reproduce,
    }


def run_chunk(specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """:func:`run_one` over a chunk of runs (one executor task)."""
    return [run_one(spec) for spec in specs]


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def chunked(items: list[T], workers: int) -> list[list[T]]:
    """Split into chunks: one item each unless there are many more items than workers can take in turn."""
    size = max(1, min(16, len(items) // (workers * 16)))
    return [items[start:start + size] for start in range(0, len(items), size)]


@dataclass
class SweepOutcome:
    """The assembled results of a sweep; ``probes`` tells, per probe id, its kind, parameters, unit and bound
    (as the first run that measured it had them)."""

    table: pd.DataFrame
    summary: pd.DataFrame
    ran: int
    skipped: int
    probes: dict[str, dict[str, Any]]

    @property
    def failed(self) -> pd.DataFrame:
        return self.table[~self.table["passed"]]


def execute(sweep: Sweep, out: str | Path, executor: Executor,
            progress: Callable[[int], None] | None = None) -> SweepOutcome:
    """Carry out every run of ``sweep`` not already stored under ``out``; assemble and write the results."""
    store = PartStore(out)
    runs = sweep.runs()
    done = store.keys()
    todo = [spec for spec in runs if spec["key"] not in done]
    finished = len(runs) - len(todo)
    if progress is not None:
        progress(finished)
    for _, records in executor.run(run_chunk, chunked(todo, executor.workers)):
        for record in records:
            store.write(record)
        finished += len(records)
        if progress is not None:
            progress(finished)
    records = [store.read(spec["key"]) for spec in runs]
    table = tidy_table(sweep, records)
    summary = summarize(table, [*sweep.paths, "level"])
    store.write_table("results", table)
    store.write_table("summary", summary)
    probes: dict[str, dict[str, Any]] = {}
    for record in records:
        for probe_id, about in record.get("about", {}).items():
            probes.setdefault(probe_id, about)
    return SweepOutcome(table, summary, ran=len(todo), skipped=len(runs) - len(todo), probes=probes)


def tidy_table(sweep: Sweep, records: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per run: setting columns, level, seed, verdict, digest, probe values, timings and counts."""
    probes = list(dict.fromkeys(column for record in records for column in record["probes"]))
    rows = [{**{path: record["setting"][path] for path in sweep.paths},
             "level": record["level"], "seed": record["seed"], "passed": record["passed"],
             "trace_digest": record["trace_digest"],
             **{column: record["probes"].get(column) for column in probes},
             "wall_time_s": record["wall_time_s"], "sim_time": record["sim_time"],
             "events_processed": record["events_processed"], **record["counts"],
             "reproduce": record["reproduce"]}
            for record in records]
    columns = [*sweep.paths, "level", "seed", "passed", "trace_digest", *probes, "wall_time_s", "sim_time",
               "events_processed", "tasks_created", *(f"tasks_{outcome}" for outcome in OUTCOMES), "reproduce"]
    table = pd.DataFrame(rows, columns=columns)
    for column in probes:
        table[column] = table[column].astype(float)
    for path, values in sweep.axes:
        # A setting column is numeric when every value is a number, else the values as written.
        if not all(isinstance(value, (int, float)) and not isinstance(value, bool) for value, _ in values):
            texts = {json.dumps(value, default=str): text for value, text in values}
            table[path] = [texts[json.dumps(value, default=str)] for value in table[path]]
    return table
