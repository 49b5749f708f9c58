"""What a report says, gathered once from the results and shared by the HTML, Markdown and JUnit writers.

A report covers whatever its results hold: run directories (a section per
scenario, scenarios with a run that is not ok first), ``chaosbench sweep``
folders, ``chaosbench ablate`` tables, and, when given, a comparison against
a baseline and the memory database's history. Its verdict follows the one
canary rule (:mod:`sim.run.verdict`): it is ok when every run and every
sweep run is ok, no comparison regressed and no ablation found dead weight.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from chaosbench.reports.ablation import AblationResult, find_ablations
from chaosbench.reports.compare import Comparison
from chaosbench.reports.context import RunsContext, runs_context
from chaosbench.reports.loading import (
    Results,
    RunRecord,
    Unreadable,
    find_runs,
    readable_runs,
    result_items,
    run_sla_compliance,
)
from chaosbench.reports.memory import load_memory
from chaosbench.reports.score import SCORE_FORMULA, resilience_score
from chaosbench.reports.sections import ScenarioSection, scenario_section
from chaosbench.reports.sweeps import SweepResult, find_sweeps
from chaosbench.reports.trend import history_frame, trend_table
from chaosbench.sim.run.verdict import Verdict

if TYPE_CHECKING:
    # matplotlib is loaded only when a figure is drawn.
    from matplotlib.figure import Figure

__all__ = ["Report", "ScenarioSection", "build_report", "checked_sla"]

#: Where the memory database keeps coding work orders, and the columns a report shows of them.
WORK_ORDER_TABLES = ("memory_coding_work_orders", "coding_work_orders")
WORK_ORDER_COLUMNS = ("title", "status", "scenario", "safeguard", "occurrences", "description")


@dataclass
class Report:
    """A whole report: runs, score, sections, sweeps, ablations, a comparison, figures and memory.

    ``figures`` are the overview's; each section has its own, and so does each sweep (``sweep_figures``, by
    the sweep's path); the ladder's and the history's come from the memory database, read
    only when one is named.
    """

    source: str
    runs: list[RunRecord]
    frame: pd.DataFrame
    score: float | None
    sections: list[ScenarioSection]
    context: RunsContext
    figures: dict[str, Figure]
    memory: dict[str, pd.DataFrame]
    work_orders: pd.DataFrame
    ladder: pd.DataFrame
    history: pd.DataFrame
    ladder_figure: Figure | None = None
    history_figure: Figure | None = None
    sweeps: list[SweepResult] = field(default_factory=list)
    sweep_figures: dict[str, dict[str, Figure]] = field(default_factory=dict)
    ablations: list[AblationResult] = field(default_factory=list)
    comparison: Comparison | None = None
    score_formula: str = SCORE_FORMULA
    skipped: list[Unreadable] = field(default_factory=list)  # run and sweep folders that could not be read

    @property
    def failed_runs(self) -> list[RunRecord]:
        """Runs that count against the suite: failed ones, and canaries that passed."""
        return [run for run in self.runs if not run.ok]

    @property
    def expected_failures(self) -> list[RunRecord]:
        """Canary runs that failed, as they must."""
        return [run for run in self.runs if run.verdict is Verdict.EXPECTED_FAILURE]

    @property
    def failed_sweep_runs(self) -> int:
        return sum(not verdict.ok for sweep in self.sweeps for verdict in sweep.verdicts())

    @property
    def dead_weight(self) -> list[str]:
        return [item for ablation in self.ablations for item in ablation.dead_weight]

    @property
    def ok(self) -> bool:
        """Nothing the report shows failed (see the module docstring); the exit status of ``chaosbench report``."""
        regressed = self.comparison is not None and self.comparison.regressed
        return not (self.failed_runs or self.failed_sweep_runs or regressed or self.dead_weight or self.skipped)

    def holdings(self) -> str:
        """What the results hold: ``7 run(s) of 3 scenario(s), 1 sweep of 12 run(s), 1 ablation``."""
        parts = [f"{len(self.runs)} run(s) of {len(self.sections)} scenario(s)"] if self.runs else []
        if self.sweeps:
            parts.append(f"{len(self.sweeps)} sweep(s) of {sum(len(sweep.table) for sweep in self.sweeps)} run(s)")
        if self.ablations:
            parts.append(f"{len(self.ablations)} ablation table(s)")
        return ", ".join(parts) or "nothing"

    def headline(self) -> list[str]:
        """The verdict banner's lines: first the verdict, then what decided it."""
        lines = []
        if self.runs:
            failed = [section.name for section in self.sections if not section.healthy]
            scenarios = len(self.sections)
            lines.append(f"{scenarios - len(failed)} of {scenarios} scenario(s) ok, "
                         f"{len(self.runs) - len(self.failed_runs)} of {len(self.runs)} run(s)"
                         + (f"; failed: {', '.join(failed)}" if failed else ""))
        if self.expected_failures:
            lines.append(f"{len(self.expected_failures)} canary run(s) failed, as a canary must")
        for sweep in self.sweeps:
            ok = sum(verdict.ok for verdict in sweep.verdicts())
            lines.append(f"sweep of {sweep.scenario}: {ok} of {len(sweep.table)} run(s) ok")
        for item in self.dead_weight:
            lines.append(f"ablation: dead weight {item} (no seed failed without it)")
        if self.skipped:
            lines.append(f"{len(self.skipped)} folder(s) could not be read and are left out")
        if self.comparison is not None:
            comparison = self.comparison
            lines.append(f"against {comparison.baseline}: {len(comparison.regressions)} verdict(s) regressed, "
                         f"{len(comparison.worse)} probe(s) worse" if comparison.regressed
                         else f"against {comparison.baseline}: no regression in {comparison.paired} paired run(s)")
        return [("PASSED: " if self.ok else "FAILED: ") + (lines[0] if lines else "nothing to judge"), *lines[1:]]

    def overview(self) -> pd.DataFrame:
        """Passed, ok (by the canary rule) and total runs per scenario and level."""
        if self.frame.empty:
            return pd.DataFrame(columns=["scenario", "level", "passed", "ok", "runs"])
        grouped = self.frame.groupby(["scenario", "level"]).agg(passed=("passed", "sum"), ok=("ok", "sum"),
                                                                 runs=("passed", "size"))
        return grouped.reset_index()


def build_report(results: Results, *, db: str | Path | None = None, comparison: Comparison | None = None,
                 with_figures: bool = True) -> Report:
    """Gather the report of ``results`` and, when named, the memory database ``db`` (nothing is read from a
    database that is not named) and a ``comparison`` against a baseline.

    A run, sweep or ablation that cannot be read is left out and named in the report's ``skipped``.
    """
    skipped: list[Unreadable] = []
    runs, frame = readable_runs(find_runs(results, skipped=skipped), skipped)
    sections = sorted((scenario_section(name, [run for run in runs if run.scenario == name])
                       for name in {run.scenario for run in runs}), key=lambda s: (s.healthy, s.name))
    sweeps, ablations = find_sweeps(results, skipped=skipped), find_ablations(results, skipped=skipped)
    named = {section.name for section in sections} | {sweep.scenario for sweep in sweeps} | {
        str(name) for ablation in ablations for name in ablation.table["scenario"].unique()}
    memory = _only(load_memory(db), named) if db is not None else {}
    report = Report(
        source=_source(results), runs=runs, frame=frame, score=resilience_score(frame) if len(frame) else None,
        sections=sections, context=runs_context(runs), figures={}, memory=memory,
        work_orders=_work_orders(sections, memory),
        ladder=memory.get("scenario_levels", pd.DataFrame()), history=history_frame(memory.get("runs")),
        sweeps=sweeps, ablations=ablations, comparison=comparison, skipped=skipped,
    )
    if with_figures:
        _draw(report)
    return report


def trend(report: Report) -> pd.DataFrame:
    """The history table of the report's scenarios (see :func:`reports.trend.trend_table`)."""
    return trend_table(report.history) if not report.history.empty else pd.DataFrame()


def _only(memory: dict[str, pd.DataFrame], scenarios: set[str]) -> dict[str, pd.DataFrame]:
    """The memory tables, each keeping only the rows of ``scenarios`` where it names scenarios."""
    if not scenarios:
        return memory
    return {name: table[table["scenario"].isin(sorted(scenarios))] if "scenario" in table.columns else table
            for name, table in memory.items()}


def _source(results: Results) -> str:
    """How the report names where its runs came from: the folder, the folder common to several, or that the
    runs were held in memory."""
    items = result_items(results)
    paths = [str(item) for item in items if isinstance(item, (str, Path))]
    if len(paths) < len(items):
        return "runs held in memory" if not paths else "runs held in memory and " + ", ".join(paths)
    if len(paths) <= 1:
        return paths[0] if paths else ""
    return os.path.commonpath([os.path.abspath(path) for path in paths])


def _work_orders(sections: list[ScenarioSection], memory: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The memory database's coding work orders; without them, one per expected safeguard that never fired."""
    stored = next((memory[name] for name in WORK_ORDER_TABLES if name in memory), None)
    if stored is not None and not stored.empty:
        shown = [column for column in WORK_ORDER_COLUMNS if column in stored.columns]
        return stored[shown] if shown else stored
    rows = [{"scenario": section.name, "safeguard": name,
             "work": f"safeguard {name!r} is expected by {section.name} but never fired in "
                     f"{count} of {len(section.runs)} run(s): implement it, enable it or fix its trigger"}
            for section in sections for name, count in section.missing.items()]
    return pd.DataFrame(rows, columns=["scenario", "safeguard", "work"])


def checked_sla(runs: list[RunRecord]) -> pd.DataFrame:
    """Per run, the SLA compliance its scenario checks: the value of its ``sla_compliance`` probe (of several,
    the one with the least margin over the scenario's runs), or, for a scenario without one, the compliance of
    all priorities, named as not probed. Columns ``scenario``, ``level``, ``probe``, ``value``, ``passed``."""
    margins: dict[str, dict[str, list[float]]] = {}
    for run in runs:
        for probe in run.journal.probes:
            if probe.kind == "sla_compliance":
                margins.setdefault(run.scenario, {}).setdefault(probe.id, []).append(probe.margin)
    chosen = {scenario: min(ids, key=lambda probe_id: (pd.Series(ids[probe_id], dtype=float).mean(), probe_id))
              for scenario, ids in margins.items()}
    rows = []
    for run in runs:
        checked = run.journal.probe(chosen[run.scenario]) if run.scenario in chosen else None
        if checked is not None:
            rows.append({"scenario": run.scenario, "level": run.level, "probe": checked.id, "value": checked.value,
                         "passed": checked.passed})
        else:
            rows.append({"scenario": run.scenario, "level": run.level, "probe": "all priorities (not probed)",
                         "value": run_sla_compliance(run), "passed": run.passed})
    return pd.DataFrame(rows, columns=["scenario", "level", "probe", "value", "passed"])


def _draw(report: Report) -> None:
    from chaosbench.reports import figures
    from chaosbench.reports.sweeps import swept

    frame = report.frame
    bounds = {run.scenario: probe.bound.value for run in report.runs for probe in run.journal.probes
              if probe.kind == "recovery_time"}
    drawn = {
        "SLA compliance each scenario checks": figures.sla_compliance(checked_sla(report.runs)),
        "Recovery time": figures.recovery_times(frame, bounds) if len(frame) else None,
        "Safeguards fired": figures.safeguards(_safeguard_frame(report.sections)),
    }
    for scenario, (table, varying) in swept(report.runs).items():
        drawn[f"Sweep of {scenario}"] = figures.sweep_heatmap(table, varying[0], varying[1], scenario)
    report.figures = {title: figure for title, figure in drawn.items() if figure is not None}
    for sweep in report.sweeps:
        report.sweep_figures[str(sweep.path)] = _sweep_figures(sweep)
    report.ladder_figure = figures.ladder(report.memory.get("runs"))
    report.history_figure = figures.history(report.history)
    for section in report.sections:
        section.figures = figures.figures_for(section.representative)


def _sweep_figures(sweep: SweepResult) -> dict[str, Figure]:
    from chaosbench.reports import figures

    drawn: dict[str, Figure | None] = {}
    axes = sweep.axes()
    if axes is not None and "seed" not in axes:  # a pass rate per seed is one run's verdict, not a rate
        drawn[f"Pass rate of {sweep.scenario} ({sweep.path.name}): {axes[0]} × {axes[1]}"] = figures.sweep_heatmap(
            sweep.table, axes[0], axes[1], sweep.scenario)
    for setting in sweep.varying() or [column for column in ("level",) if sweep.table[column].nunique() > 1]:
        drawn[f"Probes of {sweep.scenario} ({sweep.path.name}) against {setting}"] = figures.probe_trends(
            sweep.table, setting, sweep.scenario, sweep.probes)
    return {title: figure for title, figure in drawn.items() if figure is not None}


def _safeguard_frame(sections: list[ScenarioSection]) -> pd.DataFrame:
    rows = []
    for section in sections:
        for name in sorted(set(section.fired) | set(section.expected)):
            rows.append({"scenario": section.name, "safeguard": name, "fired": int(section.fired.get(name, 0)),
                         "expected": name in section.expected})
    return pd.DataFrame(rows, columns=["scenario", "safeguard", "fired", "expected"])
