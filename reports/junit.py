"""JUnit XML: one testcase per run, grouped in one testsuite per scenario, by the one canary rule.

Each testcase's properties name its verdict, trace digest, reproduce
command and each probe by id with its value and bound; a failed run's
``<failure>`` carries its probe table, broken invariants and the command
that reproduces it. A canary that failed,
as it must, is ``<skipped type="expected-failure">`` with the reason (as
pytest writes a strict xfail), so CI shows it neither red nor as a pass; a
canary that passed is a failure.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

from chaosbench.reports.content import Report
from chaosbench.reports.loading import RunRecord
from chaosbench.sim.run.record import Journal
from chaosbench.sim.run.verdict import CANARY_PASSED_REASON, CANARY_REASON, Verdict


def failure_text(journal: Journal) -> str:
    """The probe table, broken invariants, missing safeguards and reproduce command of a run, as plain text."""
    probes = journal.probes
    width = max([len(p.id) for p in probes] + [5])
    bounds = max([len(str(p.bound)) for p in probes] + [5])
    lines = [f"{'probe':<{width}}  {'value':>12}  {'bound':<{bounds}}  verdict"]
    for probe in probes:
        verdict = "held" if probe.passed else "FAILED"
        lines.append(f"{probe.id:<{width}}  {probe.shown:>12}  {str(probe.bound):<{bounds}}  {verdict}")
    for name, check in journal.broken_invariants.items():
        lines.append(f"invariant {name} broken: {check.detail}")
    missing = journal.safeguards.missing
    if missing:
        lines.append(f"expected safeguards that never fired: {', '.join(missing)}")
    lines.append(f"reproduce: {journal.reproduce}")
    return "\n".join(lines)


def failure_message(journal: Journal) -> str:
    """One line: what failed."""
    failed = [probe.id for probe in journal.failed_probes]
    broken = list(journal.broken_invariants)
    parts = ([f"probes failed: {', '.join(failed)}"] if failed else []) + (
        [f"invariants broken: {', '.join(broken)}"] if broken else [])
    return "; ".join(parts) or "run failed"


def render_junit(report: Report) -> str:
    """The runs of ``report`` as a JUnit XML document."""
    root = ET.Element("testsuites", name="chaosbench", tests=str(len(report.runs)),
                      failures=str(len(report.failed_runs)), errors="0",
                      skipped=str(len(report.expected_failures)),
                      time=_seconds(sum(run.journal.wall_time_s for run in report.runs)))
    for section in sorted(report.sections, key=lambda section: section.name):
        suite = ET.SubElement(root, "testsuite", name=section.name, tests=str(len(section.runs)),
                              failures=str(len(section.not_ok)), errors="0",
                              skipped=str(sum(run.verdict is Verdict.EXPECTED_FAILURE for run in section.runs)),
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
                        ("run_dir", run.run_dir), ("verdict", str(run.verdict))):
        ET.SubElement(properties, "property", name=name, value=value)
    for probe in run.journal.probes:
        ET.SubElement(properties, "property", name=f"probe {probe.id}",
                      value=f"{probe.shown} (needs {probe.bound}): {'held' if probe.passed else 'FAILED'}")
    if run.verdict is Verdict.FAILED:
        failure = ET.SubElement(case, "failure", message=failure_message(run.journal), type="ScenarioFailed")
        failure.text = failure_text(run.journal)
    elif run.verdict is Verdict.EXPECTED_FAILURE:
        skipped = ET.SubElement(case, "skipped", type="expected-failure",
                                message=f"{CANARY_REASON}; {failure_message(run.journal)}")
        skipped.text = failure_text(run.journal)
    elif run.verdict is Verdict.CANARY_PASSED:
        failure = ET.SubElement(case, "failure", message=CANARY_PASSED_REASON, type="CanaryPassed")
        failure.text = failure_text(run.journal)


def _seconds(value: float) -> str:
    return f"{value:.3f}"
