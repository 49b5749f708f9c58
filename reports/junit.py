"""JUnit XML: one testcase per run, grouped in one testsuite per scenario.

A failed run's ``<failure>`` carries its probe table, broken invariants and
the command that reproduces it.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

from chaosbench.reports.content import Report, format_value
from chaosbench.reports.loading import RunRecord
from chaosbench.sim.run.record import Journal


def failure_text(journal: Journal) -> str:
    """The probe table, broken invariants, missing safeguards and reproduce command of a run, as plain text."""
    probes = journal.probes
    width = max([len(p.name) for p in probes] + [5])
    lines = [f"{'probe':<{width}}  {'value':>10}  {'bound':<12}  verdict"]
    for probe in probes:
        verdict = "held" if probe.passed else "FAILED"
        lines.append(f"{probe.name:<{width}}  {format_value(probe.value):>10}  {probe.bound:<12}  {verdict}")
    for name, check in journal.broken_invariants.items():
        lines.append(f"invariant {name} broken: {check.detail}")
    missing = journal.safeguards.missing
    if missing:
        lines.append(f"expected safeguards that never fired: {', '.join(missing)}")
    lines.append(f"reproduce: {journal.reproduce}")
    return "\n".join(lines)


def failure_message(journal: Journal) -> str:
    """One line: what failed."""
    failed = [probe.name for probe in journal.failed_probes]
    broken = list(journal.broken_invariants)
    parts = ([f"probes failed: {', '.join(failed)}"] if failed else []) + (
        [f"invariants broken: {', '.join(broken)}"] if broken else [])
    return "; ".join(parts) or "run failed"


def render_junit(report: Report) -> str:
    """The runs of ``report`` as a JUnit XML document."""
    root = ET.Element("testsuites", name="chaosbench", tests=str(len(report.runs)),
                      failures=str(len(report.failed_runs)), errors="0", skipped="0",
                      time=_seconds(sum(run.journal.wall_time_s for run in report.runs)))
    for section in report.sections:
        suite = ET.SubElement(root, "testsuite", name=section.name, tests=str(len(section.runs)),
                              failures=str(len(section.failed)), errors="0", skipped="0",
                              time=_seconds(sum(run.journal.wall_time_s for run in section.runs)))
        for run in section.runs:
            _testcase(suite, run)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _testcase(suite: ET.Element, run: RunRecord) -> None:
    case = ET.SubElement(suite, "testcase", classname=f"chaosbench.{run.scenario}",
                         name=f"level{run.level}-seed{run.seed}",
                         time=_seconds(run.journal.wall_time_s), file=run.journal.file)
    properties = ET.SubElement(case, "properties")
    for name, value in (("trace_digest", run.journal.trace_digest), ("reproduce", run.journal.reproduce),
                        ("run_dir", run.run_dir)):
        ET.SubElement(properties, "property", name=name, value=value)
    if not run.passed:
        failure = ET.SubElement(case, "failure", message=failure_message(run.journal), type="ScenarioFailed")
        failure.text = failure_text(run.journal)


def _seconds(value: float) -> str:
    return f"{value:.3f}"
