"""Short Markdown for a CI job page or a pull-request comment (kept under :data:`LIMIT` bytes).

The summary follows the one canary rule: a canary that failed, as it must,
is listed apart from the failed runs, never among them.
"""
from __future__ import annotations

import re

from chaosbench.reports.compare import Comparison
from chaosbench.reports.content import Report
from chaosbench.sim.checks.identity import quantity
from chaosbench.sim.checks.intervals import estimate_text

#: Most bytes the summary may take; CI job pages cut longer ones.
LIMIT = 100_000
#: Failed runs listed with their probe tables; the rest are counted.
FAILURES_SHOWN = 15
#: Rows of a comparison's tables shown; the rest are counted.
ROWS_SHOWN = 40


def _fenced(text: str) -> str:
    """``text`` as a code block whose fence is longer than any run of backticks inside it."""
    fence = "`" * max([3, *(len(run) + 1 for run in re.findall("`+", text))])
    return f"{fence}\n{text}\n{fence}"


def render_markdown(report: Report) -> str:
    """The verdict, the score, the verdict per scenario, sweeps, ablations, the comparison against a baseline, and
    each failed run's probes and reproduce command; first, any folder that could not be read."""
    headline = report.headline()
    lines = ["## chaosbench resilience summary", "", f"**{headline[0]}**", ""]
    lines += [f"- {line}" for line in headline[1:]]
    if report.skipped:
        lines += ["", f"**{len(report.skipped)} folder(s) could not be read and are left out:**", ""]
        lines += [f"- `{item.path}`: {item.reason}" for item in report.skipped]
    if report.runs:
        lines += ["", (f"Resilience score **{report.score:.1f}** / 100. " if report.score is not None else "")
                  + f"{len(report.runs) - len(report.failed_runs)} of {len(report.runs)} runs ok.", "",
                  f"<sub>{report.score_formula}</sub>", "",
                  "| scenario | runs passed | levels | verdict |", "|---|---:|---|---|"]
    for section in report.sections:
        levels = sorted({run.level for run in section.runs})
        mark = "✅" if section.healthy else "❌"
        lines.append(f"| `{section.name}` | {section.passed_count}/{len(section.runs)} | "
                     f"{', '.join(map(str, levels))} | {mark} {section.verdict_text} |")
    for sweep in report.sweeps:
        lines += ["", f"Sweep of `{sweep.scenario}` over {', '.join(sweep.settings) or 'seeds'}: "
                      f"{int(sweep.table['passed'].sum())} of {len(sweep.table)} runs passed.", ""]
        summary = sweep.shown_summary()
        lines += ["| " + " | ".join(map(str, summary.columns)) + " |", "|" + "---|" * len(summary.columns)]
        lines += ["| " + " | ".join(map(str, row)) + " |" for row in summary.itertuples(index=False)]
    for item in report.dead_weight:
        lines.append(f"\nAblation: dead weight {item} (no seed failed without it).")
    if report.comparison is not None:
        lines += ["", render_comparison(report.comparison, heading="###")]
    failed = report.failed_runs
    if failed:
        lines += ["", "### Failed runs", ""]
    for run in failed[:FAILURES_SHOWN]:
        lines += [f"**{run.label}** ({run.verdict})", "", "| probe | value | bound | verdict |", "|---|---:|---|---|"]
        for probe in run.journal.probes:
            verdict = "held" if probe.passed else "**FAILED**"
            lines.append(f"| `{probe.id}` | {probe.shown} | {probe.bound} | {verdict} |")
        broken = run.journal.broken_invariants
        if broken:
            lines.append(f"\nInvariants broken: {', '.join(broken)}")
        lines += ["", _fenced(run.journal.reproduce), ""]
    if len(failed) > FAILURES_SHOWN:
        lines.append(f"… and {len(failed) - FAILURES_SHOWN} more failed run(s); see the HTML report.")
    if report.expected_failures:
        lines += ["", "### Canary runs that failed, as they must", "",
                  ", ".join(f"`{run.label}`" for run in report.expected_failures)]
    return _fit("\n".join(lines) + "\n")


def render_comparison(comparison: Comparison, heading: str = "##") -> str:
    """The comparison as Markdown for a pull-request comment: verdict, flipped verdicts, probes that moved."""
    verdict = "❌ **Regressed**" if comparison.regressed else "✅ **No regression**"
    lines = [f"{heading} chaosbench: against the baseline", "",
             f"{verdict}: {comparison.paired} run(s) paired by scenario, setting, level and seed "
             f"(baseline `{comparison.baseline}`, current `{comparison.current}`). "
             f"{len(comparison.digests_changed)} trace digest(s) changed, {len(comparison.flips)} verdict(s) flipped "
             f"({len(comparison.regressions)} regressed), {len(comparison.worse)} probe(s) worse beyond the "
             f"tolerance ({comparison.tolerance:g} × the bound)."]
    if comparison.flips:
        lines += ["", "| run | baseline | current | reproduce |", "|---|---|---|---|"]
        lines += [f"| {'❌' if flip.regressed else '✅'} `{flip.key.label}` | {flip.before} | {flip.after} | "
                  f"`{flip.reproduce}` |" for flip in comparison.flips[:ROWS_SHOWN]]
    moved = sorted((change for change in comparison.probes if change.changed), key=lambda c: (not c.worse, c.scenario))
    if moved:
        lines += ["", "| scenario | level | probe | bound | baseline | current | change [95% CI] | |",
                  "|---|---:|---|---|---:|---:|---:|---|"]
        for change in moved[:ROWS_SHOWN]:
            where = f"`{change.scenario}`" + (f" {change.setting}" if change.setting else "")
            mark = "**worse**" if change.worse else ("better" if change.better else "")
            lines.append(f"| {where} | {change.level} | `{change.probe}` | {change.op} "
                         f"{quantity(change.bound, change.unit)} | {quantity(change.before, change.unit, 4)} | "
                         f"{quantity(change.after, change.unit, 4)} | "
                         f"{estimate_text(change.difference, change.low, change.high, signed=True)} | {mark} |")
    else:
        lines += ["", "No probe moved in any paired run."]
    if len(moved) > ROWS_SHOWN or len(comparison.flips) > ROWS_SHOWN:
        lines.append(f"\n… rows cut at {ROWS_SHOWN}; see the HTML report.")
    if comparison.only_baseline or comparison.only_current:
        lines.append(f"\nNot paired: {len(comparison.only_baseline)} run(s) only in the baseline, "
                     f"{len(comparison.only_current)} only in the current results.")
    return _fit("\n".join(lines) + "\n")


def _fit(text: str) -> str:
    if len(text.encode("utf-8")) > LIMIT:
        text = text.encode("utf-8")[: LIMIT - 200].decode("utf-8", "ignore")
        text += "\n\n… cut to fit a CI job page; see the HTML report.\n"
    return text
