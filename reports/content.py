"""What a report says, gathered once from the results and shared by the HTML, Markdown and JUnit writers."""
from __future__ import annotations

import math
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from chaosbench.reports.loading import Results, RunRecord, find_runs, load_memory, result_items, runs_frame
from chaosbench.reports.score import SCORE_FORMULA, resilience_score
from chaosbench.reports.sweeps import SweepResult, find_sweeps, swept
from chaosbench.sim.run.layout import canary_healthy
from chaosbench.sim.run.record import ProbeResult

if TYPE_CHECKING:
    # matplotlib is loaded only when a figure is drawn.
    from matplotlib.figure import Figure

#: Runs listed one by one per scenario in the HTML report; failed runs come first.
RUNS_SHOWN = 20
#: Where the memory database keeps coding work orders, and the columns a report shows of them.
WORK_ORDER_TABLES = ("memory_coding_work_orders", "coding_work_orders")
WORK_ORDER_COLUMNS = ("title", "status", "scenario", "safeguard", "occurrences", "description")


def format_value(value: float) -> str:
    """A probe value for people: four significant digits, ``n/a`` when it could not be measured."""
    if math.isnan(value):
        return "n/a"
    return f"{value:.4g}"


@dataclass
class ScenarioSection:
    """Everything the report says about one scenario, over all its runs."""

    name: str
    title: str
    description: str
    file: str
    canary: bool
    runs: list[RunRecord]
    expected: list[str]
    fired: dict[str, int]
    missing: dict[str, int]
    findings: list[tuple[str, int]]
    invariants: list[dict[str, Any]]
    figures: dict[str, Figure] = field(default_factory=dict)

    @property
    def failed(self) -> list[RunRecord]:
        return [run for run in self.runs if not run.passed]

    @property
    def passed_count(self) -> int:
        return len(self.runs) - len(self.failed)

    @property
    def verdict(self) -> str:
        """``passed``, ``failed``, or for a canary ``failed as it must`` / ``passed: the canary did not fail``."""
        if self.canary:
            return "canary passed: the suite cannot fail" if self.passed_count else "canary failed as it must"
        return "failed" if self.failed else "passed"

    @property
    def healthy(self) -> bool:
        """Every run passed, or for a canary every run failed."""
        return all(canary_healthy(self.canary, run.passed) for run in self.runs)

    @property
    def representative(self) -> RunRecord:
        """The run whose figures the report shows: the first failed run, else the hardest level's first seed."""
        if self.failed:
            return self.failed[0]
        return max(self.runs, key=lambda run: (run.level, -run.seed))

    @property
    def shown_runs(self) -> list[RunRecord]:
        """The runs listed one by one: failed ones first."""
        return (self.failed + [run for run in self.runs if run.passed])[:RUNS_SHOWN]

    def probe_summary(self) -> list[dict[str, Any]]:
        """Per probe and bound, over every run: in how many it held, and the least, median and greatest value
        (NaN when no run measured it)."""
        groups: dict[tuple[str, str], list[ProbeResult]] = {}
        for run in self.runs:
            for probe in run.journal.probes:
                groups.setdefault((probe.name, probe.bound), []).append(probe)
        rows = []
        for (name, bound), probes in groups.items():
            values = pd.Series([p.value for p in probes], dtype=float).dropna()
            rows.append({"name": name, "bound": bound, "held": sum(p.passed for p in probes),
                         "runs": len(probes), "min": float(values.min()),
                         "median": float(values.median()), "max": float(values.max())})
        return rows


@dataclass
class Report:
    """A whole report: runs, score, sections, figures and memory.

    ``figures`` are the overview's; each section has its own; the ladder's is
    apart, drawn from the memory database's ``runs`` when it has them.
    """

    source: str
    runs: list[RunRecord]
    frame: pd.DataFrame
    score: float | None
    sections: list[ScenarioSection]
    figures: dict[str, Figure]
    memory: dict[str, pd.DataFrame]
    work_orders: pd.DataFrame
    ladder: pd.DataFrame
    ladder_figure: Figure | None = None
    sweeps: list[SweepResult] = field(default_factory=list)
    score_formula: str = SCORE_FORMULA

    @property
    def failed_runs(self) -> list[RunRecord]:
        return [run for run in self.runs if not run.passed]

    def overview(self) -> pd.DataFrame:
        """Passed and total runs per scenario and level."""
        if self.frame.empty:
            return pd.DataFrame(columns=["scenario", "level", "passed", "runs"])
        grouped = self.frame.groupby(["scenario", "level"]).agg(passed=("passed", "sum"), runs=("passed", "size"))
        return grouped.reset_index()


def build_report(results: Results, *, db: str | Path | None = None, with_figures: bool = True) -> Report:
    """Gather the report of every run below ``results`` and, when given, the memory database ``db``."""
    runs = find_runs(results)
    frame = runs_frame(runs)
    memory = load_memory(db) if db is not None else {}
    sections = [_section(name, [run for run in runs if run.scenario == name])
                for name in sorted({run.scenario for run in runs})]
    report = Report(
        source=_source(results), runs=runs, frame=frame, score=resilience_score(frame) if len(frame) else None,
        sections=sections, figures={}, memory=memory, work_orders=_work_orders(sections, memory),
        ladder=_ladder_table(frame, memory), sweeps=find_sweeps(results),
    )
    if with_figures:
        _draw(report)
    return report


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


def _section(name: str, runs: list[RunRecord]) -> ScenarioSection:
    last = runs[-1].journal
    expected = sorted({item for run in runs for item in run.journal.safeguards.expected})
    fired: Counter[str] = Counter()
    missing: Counter[str] = Counter()
    findings: Counter[str] = Counter()
    for run in runs:
        fired.update(run.journal.safeguards.fired)
        missing.update(run.journal.safeguards.missing)
        findings.update(run.journal.findings)
    return ScenarioSection(
        name=name, title=last.title, description=last.description,
        file=last.file, canary=last.canary, runs=runs, expected=expected,
        fired=dict(sorted(fired.items())), missing=dict(sorted(missing.items())),
        findings=sorted(findings.items(), key=lambda item: (-item[1], item[0])), invariants=_invariants(runs),
    )


def _invariants(runs: list[RunRecord]) -> list[dict[str, Any]]:
    """Per invariant: in how many runs it held, and the detail of the first run that broke it (or of the first run)."""
    rows: dict[str, dict[str, Any]] = {}
    for run in runs:
        for name, check in run.journal.invariants.items():
            row = rows.setdefault(name, {"name": name, "held": 0, "runs": 0, "detail": check.detail, "broken_in": ""})
            row["runs"] += 1
            if check.held:
                row["held"] += 1
            elif not row["broken_in"]:
                row["broken_in"], row["detail"] = run.label, check.detail
    return list(rows.values())


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


def _ladder_table(frame: pd.DataFrame, memory: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Each scenario's current level and streak from memory; without memory, the highest level run and passed."""
    stored = memory.get("scenario_levels")
    if stored is not None and not stored.empty:
        return stored
    if frame.empty:
        return pd.DataFrame(columns=["scenario", "highest_level_run", "highest_level_passed"])
    passed = frame[frame["passed"]].groupby("scenario")["level"].max()
    table = frame.groupby("scenario")["level"].max().rename("highest_level_run").to_frame()
    table["highest_level_passed"] = passed.reindex(table.index).astype("Int64")
    return table.reset_index()


def _draw(report: Report) -> None:
    from chaosbench.reports import figures

    frame = report.frame
    drawn = {
        "SLA compliance per scenario and level": figures.sla_compliance(frame) if len(frame) else None,
        "Recovery time": figures.recovery_times(frame) if len(frame) else None,
        "Safeguards fired": figures.safeguards(_safeguard_frame(report.sections)),
    }
    for scenario, (table, varying) in swept(report.runs).items():
        drawn[f"Sweep of {scenario}"] = figures.sweep_heatmap(table, varying[0], varying[1], scenario)
    for sweep in report.sweeps:
        axes = sweep.axes()
        if axes is not None:
            drawn[f"Sweep of {sweep.scenario} ({sweep.path.name}): {axes[0]} × {axes[1]}"] = figures.sweep_heatmap(
                sweep.table, axes[0], axes[1], sweep.scenario)
    report.figures = {title: figure for title, figure in drawn.items() if figure is not None}
    report.ladder_figure = figures.ladder(report.memory.get("runs"))
    for section in report.sections:
        run = section.representative
        own = {
            "Queue depth": figures.queue_depth(run.table("timeseries"), run.table("faults"),
                                               f"Queue depth per priority: {run.label}"),
            "Latency": figures.latency_distribution(run.table("tasks"), f"Latency per priority: {run.label}"),
        }
        section.figures = {title: figure for title, figure in own.items() if figure is not None}


def _safeguard_frame(sections: list[ScenarioSection]) -> pd.DataFrame:
    rows = []
    for section in sections:
        for name in sorted(set(section.fired) | set(section.expected)):
            rows.append({"scenario": section.name, "safeguard": name, "fired": int(section.fired.get(name, 0)),
                         "expected": name in section.expected})
    return pd.DataFrame(rows, columns=["scenario", "safeguard", "fired", "expected"])
