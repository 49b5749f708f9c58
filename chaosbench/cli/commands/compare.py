"""``chaosbench compare BASELINE CURRENT``: did this change make the stack less resilient?

BASELINE and CURRENT are each a run directory, a folder of run directories
(a suite's ``--out``) or a ``chaosbench sweep`` folder. Runs are paired by
scenario, setting, level and seed (see :mod:`reports.compare`). Prints the
trace digests that changed, the verdicts that flipped and each probe that
moved (the paired difference, with its 95% interval over several seeds);
``--md FILE`` writes the same as Markdown for a pull-request comment and
``--html FILE`` the HTML report of CURRENT with the comparison at its top.
Exit 1 when a verdict regressed or a probe got worse beyond ``--tolerance``
(a share of the probe's bound), 0 otherwise, 2 when a side holds no runs or
the two have none in common, or when a run or sweep folder cannot be read:
such a folder is left out and named on standard error, and the rest compared.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chaosbench.cli.colour import paint, verdict_style
from chaosbench.cli.commands import Commands, add_command
from chaosbench.cli.exit_codes import EXIT_FAIL, EXIT_INPUT, EXIT_PASS
from chaosbench.cli.failures import BadInput
from chaosbench.cli.jsonout import emit
from chaosbench.reports.compare import Comparison, compare
from chaosbench.sim.checks.identity import quantity
from chaosbench.sim.checks.intervals import estimate_text
from chaosbench.sim.spec.extras import require

#: Probes that moved printed one per line; the rest are counted.
SHOWN = 30

EXAMPLES = (
    "chaosbench compare runs/main runs/pr                      # exit 1 on a regression",
    "chaosbench compare runs/main runs/pr --md comment.md      # a pull-request comment",
    "chaosbench compare runs/main/sweep runs/pr/sweep --tolerance 0.05 --json",
)


def add_parser(commands: Commands) -> None:
    parser = add_command(commands, "compare", "compare results against a baseline: verdicts, digests, probes", EXAMPLES)
    parser.add_argument("baseline", help="a run directory, a folder of them, or a sweep folder")
    parser.add_argument("current", help="the same, for the results to judge")
    add_comparison_options(parser)
    parser.add_argument("--md", metavar="FILE", help="also write the comparison as Markdown (a pull-request comment)")
    parser.add_argument("--html", metavar="FILE", help="also write the HTML report of CURRENT with the comparison")
    parser.add_argument("--json", action="store_true", help="print only JSON")


def add_comparison_options(parser: argparse.ArgumentParser) -> None:
    """``--tolerance``, shared with ``suite --baseline``."""
    parser.add_argument("--tolerance", type=_share, default=0.0, metavar="SHARE",
                        help="how much worse a probe may get before it counts, as a share of its bound "
                             "(at least one unit of the probe; default 0)")


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of 0 or more, got {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a finite number of 0 or more, got {text!r}")
    return value


def run(args: argparse.Namespace) -> int:
    require("scipy.stats", "stats", "chaosbench compare")  # its intervals; asked before any run
    for side in (args.baseline, args.current):
        if not Path(side).exists():
            raise BadInput("no such run directory or folder", file=side)
    comparison = compare(args.baseline, args.current, tolerance=args.tolerance)
    for item in comparison.skipped:
        print(f"chaosbench compare: skipped {item.path}: {item.reason}", file=sys.stderr)
    problem = unpaired(comparison)
    if problem:
        raise BadInput(problem)
    if args.md:
        from chaosbench.reports.markdown import render_comparison

        _write(args.md, render_comparison(comparison))
    if args.html:
        from chaosbench.reports import write_reports

        write_reports(args.current, html=args.html, comparison=comparison)
    status = EXIT_INPUT if comparison.skipped else EXIT_FAIL if comparison.regressed else EXIT_PASS
    if args.json:
        emit("compare", status == EXIT_PASS, {"comparison": comparison.to_json()})
    else:
        print_comparison(comparison, args.verbosity)
    return status


def unpaired(comparison: Comparison) -> str:
    """Why nothing could be compared ('' when something could)."""
    if comparison.paired:
        return ""
    if not comparison.only_baseline:
        return f"{comparison.baseline}: no runs found (run directories or sweep folders)"
    if not comparison.only_current:
        return f"{comparison.current}: no runs found (run directories or sweep folders)"
    return (f"no runs in common: {comparison.baseline} and {comparison.current} share no scenario, setting, level "
            "and seed")


def _write(path: str, text: str) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def print_comparison(comparison: Comparison, verbosity: int = 0) -> None:
    """The comparison for the terminal: a verdict line, each regression with its reproduce command, each probe
    that moved (not under ``-q``; all of them under ``-v``)."""
    verdict = paint("REGRESSED" if comparison.regressed else "no regression", verdict_style(not comparison.regressed))
    print(f"against {comparison.baseline}: {verdict}; {comparison.paired} run(s) paired, "
          f"{len(comparison.digests_changed)} trace digest(s) changed, {len(comparison.flips)} verdict(s) flipped "
          f"({len(comparison.regressions)} regressed), {len(comparison.worse)} probe(s) worse "
          f"(tolerance {comparison.tolerance:g} × bound)")
    for flip in comparison.flips:
        mark = "REGRESSED" if flip.regressed else "fixed"
        print(f"  {mark} {flip.key.label}: {flip.before} -> {flip.after}")
        if flip.regressed:
            print(f"    reproduce: {flip.reproduce}")
    if verbosity < 0:
        return
    moved = sorted((change for change in comparison.probes if change.changed), key=lambda c: (not c.worse, c.scenario))
    shown = len(moved) if verbosity > 0 else SHOWN
    for change in moved[:shown]:
        mark = "WORSE " if change.worse else ("better" if change.better else "moved ")
        where = change.scenario + (f" {change.setting}" if change.setting else "")
        moved_by = estimate_text(change.difference, change.low, change.high, signed=True)
        print(f"  {mark} {where} level {change.level} {change.probe}: "
              f"{quantity(change.before, change.unit, 4)} -> {quantity(change.after, change.unit, 4)} "
              f"(change {moved_by} over {change.pairs} seed(s); "
              f"bound {change.op} {quantity(change.bound, change.unit)})")
    if len(moved) > shown:
        print(f"  ... and {len(moved) - shown} more probe(s) moved (-v shows them all)")
    if comparison.only_baseline or comparison.only_current:
        print(f"  not paired: {len(comparison.only_baseline)} run(s) only in the baseline, "
              f"{len(comparison.only_current)} only in the current results")
