"""What a report says about one scenario over all its runs: verdict, probes, safeguards, findings, invariants,
and a drill's incidents."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from chaosbench.reports.drills import drill_tables, incident_lines
from chaosbench.reports.loading import RunRecord
from chaosbench.sim.run.probe_result import ProbeResult
from chaosbench.sim.run.verdict import Verdict

if TYPE_CHECKING:
    # matplotlib is loaded only when a figure is drawn.
    from matplotlib.figure import Figure

#: Runs listed one by one per scenario in the HTML report; runs that are not ok come first.
RUNS_SHOWN = 20


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
    #: A drill's runs (the first RUNS_SHOWN): each run's label and one line per incident (reports.drills.HEADER).
    incidents: list[tuple[str, list[tuple[str, ...]]]] = field(default_factory=list)

    @property
    def failed(self) -> list[RunRecord]:
        """Runs in which a probe or an invariant did not hold (for a canary, as it must)."""
        return [run for run in self.runs if not run.passed]

    @property
    def not_ok(self) -> list[RunRecord]:
        """Runs that count against the suite: failed ones, or for a canary, passed ones."""
        return [run for run in self.runs if not run.ok]

    @property
    def passed_count(self) -> int:
        return len(self.runs) - len(self.failed)

    @property
    def healthy(self) -> bool:
        """Every run is ok: passed, or for a canary failed as it must."""
        return not self.not_ok

    @property
    def verdict(self) -> Verdict:
        """The scenario's verdict by the canary rule: ok when every run is ok."""
        if self.canary:
            return Verdict.EXPECTED_FAILURE if self.healthy else Verdict.CANARY_PASSED
        return Verdict.PASSED if self.healthy else Verdict.FAILED

    @property
    def verdict_text(self) -> str:
        """``passed``, ``failed``, ``canary failed as it must`` or ``canary passed: the suite cannot fail``."""
        return {Verdict.PASSED: "passed", Verdict.FAILED: "failed",
                Verdict.EXPECTED_FAILURE: "canary failed as it must",
                Verdict.CANARY_PASSED: "canary passed: the suite cannot fail"}[self.verdict]

    @property
    def representative(self) -> RunRecord:
        """The run whose figures the report shows: the first run that is not ok, else the first that failed,
        else the hardest level's first seed."""
        if self.not_ok:
            return self.not_ok[0]
        if self.failed:
            return self.failed[0]
        return max(self.runs, key=lambda run: (run.level, -run.seed))

    @property
    def shown_runs(self) -> list[RunRecord]:
        """The runs listed one by one: those that are not ok first, then failed ones, then the rest."""
        order = sorted(self.runs, key=lambda run: (run.ok, run.passed))
        return order[:RUNS_SHOWN]

    @property
    def seeds(self) -> list[int]:
        return sorted({run.seed for run in self.runs})

    def probe_summary(self) -> list[dict[str, Any]]:
        """Per probe id, over every run: its bound, in how many runs it held, and the least, median and greatest
        value (NaN when no run measured it), each with the probe's unit."""
        groups: dict[str, list[ProbeResult]] = {}
        for run in self.runs:
            for probe in run.journal.probes:
                groups.setdefault(probe.id, []).append(probe)
        rows = []
        for probe_id, probes in groups.items():
            values = pd.Series([p.value for p in probes], dtype=float).dropna()
            rows.append({"id": probe_id, "bound": str(probes[-1].bound), "unit": probes[-1].unit,
                         "held": sum(p.passed for p in probes), "runs": len(probes), "min": float(values.min()),
                         "median": float(values.median()), "max": float(values.max())})
        return rows


def scenario_section(name: str, runs: list[RunRecord]) -> ScenarioSection:
    """The section of scenario ``name`` from its runs."""
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
        incidents=[(label, incident_lines(table)) for label, table in drill_tables(runs[:RUNS_SHOWN])],
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
