"""Sweeps: the results of ``chaosbench sweep``, and scenario parameters that differ between runs.

``chaosbench sweep`` writes a folder with ``sweep.json`` and ``results.parquet``
(one row per run: a column per swept setting path, then ``level``, ``seed``,
``passed``, ``probe_<id>`` values...). A sweep is summarised per setting: each
probe's mean with its Student-t interval and the pass rate with its exact
Clopper–Pearson interval (:mod:`sim.checks.intervals`). Run directories made
with different settings of one scenario are a sweep too: :func:`swept` finds
the parameters that vary between them.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from chaosbench.reports.loading import READ_ERRORS, Results, RunRecord, Unreadable, result_items
from chaosbench.sim.checks.identity import PROBE_PREFIX
from chaosbench.sim.checks.intervals import estimate_text, summarize
from chaosbench.sim.run.verdict import Verdict, is_canary, verdict

SWEEP = "sweep.json"
RESULTS = "results.parquet"


@dataclass(frozen=True)
class SweepResult:
    """One ``chaosbench sweep`` folder: its runs table, the setting paths it swept, and what ``sweep.json`` says
    of the scenario (its tags) and of each probe (kind, parameters, unit and bound, by id)."""

    path: Path
    scenario: str
    table: pd.DataFrame
    settings: list[str]
    tags: tuple[str, ...] = ()
    probes: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def canary(self) -> bool:
        return is_canary(self.scenario, self.tags)

    def verdicts(self) -> list[Verdict]:
        """Each run's verdict, in the table's order (the canary rule, :mod:`sim.run.verdict`)."""
        return [verdict(bool(passed), self.canary) for passed in self.table["passed"]]

    @property
    def probe_ids(self) -> list[str]:
        return [column.removeprefix(PROBE_PREFIX) for column in self.table.columns if column.startswith(PROBE_PREFIX)]

    def varying(self) -> list[str]:
        """The swept settings that take more than one value."""
        return [column for column in self.settings if self.table[column].nunique() > 1]

    def shown_summary(self) -> pd.DataFrame:
        """The summary for people: per setting and level, the runs, the pass rate ``k/n [low, high]`` and each
        probe's ``mean [low, high]``."""
        by = [*self.settings, "level"]
        summary = self.summary(by)
        rows = []
        for group, metrics in summary.groupby(by, sort=False, dropna=False):
            keys = group if isinstance(group, tuple) else (group,)
            row: dict[str, Any] = {**dict(zip(by, keys, strict=True)), "runs": 0, "pass rate [95% CI]": ""}
            for metric in metrics.itertuples(index=False):
                if metric.metric == "passed":
                    row["runs"] = metric.runs
                    row["pass rate [95% CI]"] = (f"{round(metric.mean * metric.runs)}/{metric.runs} "
                                                 f"[{metric.ci_low:.3g}, {metric.ci_high:.3g}]")
                else:
                    row[metric.metric.removeprefix(PROBE_PREFIX)] = estimate_text(metric.mean, metric.ci_low,
                                                                                   metric.ci_high)
            rows.append(row)
        return pd.DataFrame(rows)

    def summary(self, by: list[str] | None = None) -> pd.DataFrame:
        """Per group of ``by`` (default: every setting and the level) and metric (each ``probe_<id>``, and
        ``passed``): runs, mean, interval and the interval's method."""
        return summarize(self.table, by if by is not None else [*self.settings, "level"])

    def axes(self) -> tuple[str, str] | None:
        """The two columns a heat map of this sweep spreads over: two settings, else a setting and the level,
        else a setting and the seed; None when nothing varies."""
        varying = [column for column in self.settings if self.table[column].nunique() > 1]
        for extra in ("level", "seed"):
            if len(varying) >= 2:
                break
            if self.table[extra].nunique() > 1:
                varying.append(extra)
        return (varying[0], varying[1]) if len(varying) >= 2 else None


def find_sweeps(results: Results, *, skipped: list[Unreadable] | None = None) -> list[SweepResult]:
    """Every sweep folder (``sweep.json`` beside ``results.parquet``) below the folders of ``results``; with
    ``skipped``, one that cannot be read is left out and added to it rather than raising."""
    roots = [Path(item) for item in result_items(results) if isinstance(item, (str, Path))]
    found = []
    for root in roots:
        if not root.is_dir():
            continue
        for marker in sorted(root.rglob(SWEEP)):
            table_path = marker.parent / RESULTS
            if not table_path.is_file():
                continue
            try:
                table = pd.read_parquet(table_path)
                about = json.loads(marker.read_text(encoding="utf-8"))
            except READ_ERRORS as exc:
                if skipped is None:
                    raise
                skipped.append(Unreadable(marker.parent, f"the sweep cannot be read: {exc}"))
                continue
            if "level" not in table.columns or "passed" not in table.columns or not isinstance(about, dict):
                continue
            settings = list(table.columns[: list(table.columns).index("level")])
            scenario = str(about.get("name") or Path(str(about.get("scenario", marker.parent.name))).stem)
            tags = tuple(str(tag) for tag in about.get("tags") or [])
            found.append(SweepResult(marker.parent, scenario, table, settings, tags, dict(about.get("probes") or {})))
    return found

#: Parameter paths that name or describe a scenario rather than set it.
_DESCRIPTIVE = ("name", "title", "description", "tags")


def flatten(document: Any, prefix: str = "") -> dict[str, object]:
    """``{"workload.0.tasks.rate": 3.2, ...}``: every scalar leaf of a nested document by its dotted path."""
    items: Iterable[tuple[Any, Any]]
    if isinstance(document, dict):
        items = document.items()
    elif isinstance(document, list):
        items = enumerate(document)
    else:
        return {prefix: document}
    leaves: dict[str, object] = {}
    for key, value in items:
        leaves.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return leaves


def swept(records: list[RunRecord]) -> dict[str, tuple[pd.DataFrame, list[str]]]:
    """Per scenario with two or more numeric parameters that vary between its runs of one level: a frame
    of those parameters plus ``passed`` and ``seed`` (one row per run), and the varying parameter paths."""
    by_scenario: dict[str, list[RunRecord]] = {}
    for record in records:
        by_scenario.setdefault(record.scenario, []).append(record)
    found = {}
    for scenario, group in by_scenario.items():
        if len(group) < 4:
            continue
        rows = [flatten({k: v for k, v in r.parameters.items() if k not in _DESCRIPTIVE}) for r in group]
        frame = pd.DataFrame(rows)
        levels = pd.Series([r.level for r in group], index=frame.index)
        # Parameters the difficulty ladder scales vary with the level only; a sweep varies them within one.
        varying = [column for column in frame.columns if pd.api.types.is_numeric_dtype(frame[column])
                   and frame[column].groupby(levels).nunique(dropna=True).max() > 1]
        if len(varying) >= 2:
            table = frame[varying].copy()
            table["passed"] = [r.passed for r in group]
            table["seed"] = [r.seed for r in group]
            found[scenario] = (table, varying)
    return found
