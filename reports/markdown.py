"""A short Markdown summary for a CI job page (kept under :data:`LIMIT` bytes)."""
from __future__ import annotations

from chaosbench.reports.content import Report, format_value

#: Most bytes the summary may take; CI job pages cut longer ones.
LIMIT = 100_000
#: Failed runs listed with their probe tables; the rest are counted.
FAILURES_SHOWN = 15


def render_markdown(report: Report) -> str:
    """Verdict per scenario and level, the score, and each failed run's failing probes and reproduce command."""
    failed = report.failed_runs
    lines = ["## chaosbench resilience summary", ""]
    if report.runs:
        lines += [
            f"**{len(report.runs) - len(failed)} of {len(report.runs)} runs passed** across "
            f"{len(report.sections)} scenario(s)."
            + (f" Resilience score **{report.score:.1f}** / 100." if report.score is not None else ""),
            "",
            f"<sub>{report.score_formula}</sub>",
            "",
            "| scenario | runs passed | levels | verdict |",
            "|---|---:|---|---|",
        ]
    for section in report.sections:
        levels = sorted({run.level for run in section.runs})
        mark = "✅" if section.healthy else "❌"
        lines.append(f"| `{section.name}` | {section.passed_count}/{len(section.runs)} | "
                     f"{', '.join(map(str, levels))} | {mark} {section.verdict} |")
    for sweep in report.sweeps:
        passed = int(sweep.table["passed"].sum())
        lines.append(f"\nSweep of `{sweep.scenario}` over {', '.join(sweep.settings) or 'seeds'}: "
                     f"{passed} of {len(sweep.table)} runs passed.")
    if failed:
        lines += ["", "### Failed runs", ""]
    for run in failed[:FAILURES_SHOWN]:
        lines += [f"**{run.label}**", "", "| probe | value | bound | verdict |", "|---|---:|---|---|"]
        for probe in run.journal.probes:
            verdict = "held" if probe.passed else "**FAILED**"
            lines.append(f"| {probe.name} | {format_value(probe.value)} | {probe.bound} | {verdict} |")
        broken = run.journal.broken_invariants
        if broken:
            lines.append(f"\nInvariants broken: {', '.join(broken)}")
        lines += ["", f"```\n{run.journal.reproduce}\n```", ""]
    if len(failed) > FAILURES_SHOWN:
        lines.append(f"… and {len(failed) - FAILURES_SHOWN} more failed run(s); see the HTML report.")
    text = "\n".join(lines) + "\n"
    if len(text.encode("utf-8")) > LIMIT:
        text = text.encode("utf-8")[: LIMIT - 200].decode("utf-8", "ignore")
        text += "\n\n… summary cut to fit a CI job page; see the HTML report.\n"
    return text
