"""JUnit XML: one testcase per run, grouped in one testsuite per scenario.

A failed run's ``<failure>`` carries its probe table, broken invariants and
the command that reproduces it.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

from chaosbench.reports.content import Report
from chaosbench.reports.html import format_value
from chaosbench.reports.loading import RunRecord


def failure_text(journal: dict) -> str:
    """The probe table, broken invariants, missing safeguards and reproduce command of a run, as plain text."""
    probes = journal.get("probes") or []
    width = max([len(p["name"]) for p in probes] + [5])
    lines = [f"{'probe':<{width}}  {'value':>10}  {'bound':<12}  verdict"]
    for probe in probes:
        verdict = "held" if probe.get("passed") else "FAILED"
        lines.append(f"{probe['name']:<{width}}  {format_value(probe.get('value')):>10}  "
                     f"{probe.get('bound', ''):<12}  {verdict}")
    for name, item in (journal.get("invariants") or {}).items():
        if not item.get("held"):
            lines.append(f"invariant {name} broken: {item.get('detail', '')}")
    missing = (journal.get("safeguards") or {}).get("missing") or []
    if missing:
        lines.append(f"expected safeguards that never fired: {', '.join(missing)}")
    lines.append(f"reproduce: {journal.get('reproduce', '')}")
    return "\n".join(lines)


def failure_message(journal: dict) -> str:
    """One line: what failed."""
    failed = [p["name"] for p in journal.get("probes") or [] if not p.get("passed")]
    broken = [n for n, item in (journal.get("invariants") or {}).items() if not item.get("held")]
    parts = ([f"probes failed: {', '.join(failed)}"] if failed else []) + (
        [f"invariants broken: {', '.join(broken)}"] if broken else [])
    return "; ".join(parts) or "run failed"


def render_junit(report: Report) -> str:
    """The runs of ``report`` as a JUnit XML document."""
    root = ET.Element("testsuites", name="chaosbench", tests=str(len(report.runs)),
                      failures=str(len(report.failed_runs)), errors="0", skipped="0",
                      time=_seconds(sum(float(r.journal.get("wall_time_s") or 0) for r in report.runs)))
    for section in report.sections:
        suite = ET.SubElement(root, "testsuite", name=section.name, tests=str(len(section.runs)),
                              failures=str(len(section.failed)), errors="0", skipped="0",
                              time=_seconds(sum(float(r.journal.get("wall_time_s") or 0) for r in section.runs)))
        for run in section.runs:
            _testcase(suite, run)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _testcase(suite: ET.Element, run: RunRecord) -> None:
    case = ET.SubElement(suite, "testcase", classname=f"chaosbench.{run.scenario}",
                         name=f"level{run.level}-seed{run.seed}",
                         time=_seconds(float(run.journal.get("wall_time_s") or 0)),
                         file=str(run.journal.get("file", "")))
    properties = ET.SubElement(case, "properties")
    for name in ("trace_digest", "reproduce"):
        ET.SubElement(properties, "property", name=name, value=str(run.journal.get(name, "")))
    ET.SubElement(properties, "property", name="run_dir", value=str(run.path))
    if not run.passed:
        failure = ET.SubElement(case, "failure", message=failure_message(run.journal), type="ScenarioFailed")
        failure.text = failure_text(run.journal)


def _seconds(value: float) -> str:
    return f"{value:.3f}"
