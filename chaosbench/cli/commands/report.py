"""``chaosbench report RESULTS``: the HTML report, the Markdown summary and JUnit XML of finished results.

RESULTS is one run directory or a folder holding run directories,
``chaosbench sweep`` folders and ``chaosbench ablate`` tables
(``ablation.parquet``) at any depth. With none of ``--html``, ``--md`` and
``--junit`` the HTML report is written to ``RESULTS/report.html``. The memory
database's history and ladder are shown only when ``--db`` names one.
Nothing is simulated. Exit 0 when everything reported is ok (each run by the
canary rule, as ``chaosbench suite`` judges the same runs; every sweep run;
no ablation found dead weight), 1 otherwise, 2 when there are no results or
a run, sweep or ablation folder cannot be read: such a folder is left out,
named on standard error and in the report, and the report covers the rest.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from chaosbench.cli.colour import paint, verdict_style
from chaosbench.cli.commands import Commands, add_command
from chaosbench.cli.exit_codes import EXIT_FAIL, EXIT_INPUT, EXIT_PASS
from chaosbench.cli.failures import BadInput
from chaosbench.cli.jsonout import emit
from chaosbench.cli.summaries import run_summary
from chaosbench.sim.run.layout import JOURNAL, journal_path

if TYPE_CHECKING:
    from chaosbench.reports import Unreadable

EXAMPLES = (
    "chaosbench report runs/                                  # runs/report.html",
    "chaosbench report runs/ --html report.html --md summary.md --junit junit.xml",
    "chaosbench report runs/ --db .chaosbench/memory.sqlite --html report.html   # with the history",
)


def add_parser(commands: Commands) -> None:
    parser = add_command(commands, "report", "write reports of finished runs", EXAMPLES)
    parser.add_argument("results", help="a run directory, or a folder of run directories at any depth")
    parser.add_argument("--html", metavar="FILE", help="self-contained HTML resilience report")
    parser.add_argument("--md", metavar="FILE", help="short Markdown summary for a CI job page")
    parser.add_argument("--junit", metavar="FILE", help="JUnit XML, one testcase per run")
    parser.add_argument("--db", metavar="FILE", help="memory database whose history and ladder to show")
    parser.add_argument("--json", action="store_true", help="print only JSON: files written and verdicts")


def run(args: argparse.Namespace) -> int:
    results = Path(args.results)
    if not results.is_dir():
        raise BadInput("no such folder", file=str(results))
    from chaosbench.reports import find_runs, write_reports
    from chaosbench.reports.ablation import ABLATION, find_ablations
    from chaosbench.reports.sweeps import SWEEP, find_sweeps

    found: list[Unreadable] = []
    if not (find_runs(results, skipped=found) or find_sweeps(results, skipped=found)
            or find_ablations(results, skipped=found)):
        _name_skipped(found)
        raise BadInput(f"no run directories ({JOURNAL}), sweeps ({SWEEP}) or ablations ({ABLATION}) found that can "
                       "be read", file=str(results))
    html = args.html
    if not (args.html or args.md or args.junit):
        html = str((results.parent if journal_path(results).is_file() else results) / "report.html")
    report = write_reports(results, html=html, md=args.md, junit=args.junit, db=args.db)
    _name_skipped(report.skipped)
    written = {kind: str(path) for kind, path in (("html", html), ("md", args.md), ("junit", args.junit)) if path}
    unhealthy = [section.name for section in report.sections if not section.healthy]
    status = EXIT_INPUT if report.skipped else EXIT_PASS if report.ok else EXIT_FAIL
    if args.json:
        emit("report", status == EXIT_PASS, {
            "written": written, "score": report.score,
            "counts": {"runs": len(report.runs), "failed_runs": len(report.failed_runs),
                       "expected_failures": len(report.expected_failures),
                       "failed_sweep_runs": report.failed_sweep_runs, "skipped": len(report.skipped)},
            "runs": [run_summary(record.journal, record.run_dir) for record in report.runs],
            "dead_weight": report.dead_weight, "unhealthy_scenarios": unhealthy,
            "skipped": [{"path": str(item.path), "reason": item.reason} for item in report.skipped]})
    else:
        for index, line in enumerate(report.headline()):
            if index == 0:
                print(paint(line, verdict_style(report.ok)))
            elif args.verbosity >= 0:
                print(line)
        if report.score is not None:
            print(f"resilience score {report.score:.1f}/100")
        for kind, path in written.items():
            print(f"{kind}: {path}")
    return status


def _name_skipped(skipped: list[Unreadable]) -> None:
    for item in skipped:
        print(f"chaosbench report: skipped {item.path}: {item.reason}", file=sys.stderr)
