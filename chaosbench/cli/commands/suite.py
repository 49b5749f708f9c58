"""``chaosbench suite SUITE|FOLDER``: run every scenario with its seeds, record and summarise.

Exit 0 when every run is ok by the canary rule (passed, or a canary that
failed, as it must), 1 otherwise, as ``chaosbench report`` on the same runs.
With ``--baseline DIR`` the runs are also compared with earlier results (as
``chaosbench compare DIR OUT`` does), and a regression exits 1 too.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chaosbench.cli.arguments import add_executor_options, add_safeguard_switches, add_seeds, level, switched_off
from chaosbench.cli.colour import paint, verdict_style
from chaosbench.cli.commands import Commands, add_command
from chaosbench.cli.commands.compare import add_comparison_options, print_comparison, unpaired
from chaosbench.cli.exit_codes import EXIT_FAIL, EXIT_PASS
from chaosbench.cli.failures import BadInput
from chaosbench.cli.jsonout import emit
from chaosbench.cli.progress import finished_lines
from chaosbench.cli.summaries import run_summary
from chaosbench.reports.compare import compare
from chaosbench.sim.difficulty.batch import Job, Outcome, job_key, resolve_targets, run_dir, run_jobs
from chaosbench.sim.difficulty.memory import DEFAULT_DB, MemoryDB
from chaosbench.sim.parallel.executors import make_executor
from chaosbench.sim.run.layout import DEFAULT_ROOT
from chaosbench.sim.run.provenance import now
from chaosbench.sim.run.record import Journal, RunResult
from chaosbench.sim.run.rundir import check_run_dir
from chaosbench.sim.run.verdict import Verdict
from chaosbench.sim.spec.extras import require

EXAMPLES = (
    "chaosbench suite scenarios/suites/smoke.yaml --junit junit.xml      # a CI job",
    "chaosbench suite scenarios/suites/default.yaml --seeds 3 --html report.html",
    "chaosbench suite scenarios/layer2/ --seeds 3:9 --no-db",
    "chaosbench suite scenarios/suites/smoke.yaml --out runs/pr --baseline runs/main --md comment.md",
)


def add_parser(commands: Commands) -> None:
    parser = add_command(commands, "suite", "run a suite of scenarios", EXAMPLES)
    parser.add_argument("source", help="a suite file, a folder of scenarios, or one scenario file")
    add_seeds(parser, "1", "seeds of each scenario")
    parser.add_argument("--level", type=level, default=0, help="difficulty level (default 0)")
    add_safeguard_switches(parser)
    add_executor_options(parser, "1")
    parser.add_argument("--out", default=str(DEFAULT_ROOT), metavar="DIR",
                        help=f"folder for run directories (default {DEFAULT_ROOT})")
    parser.add_argument("--force", action="store_true",
                        help="replace run directories even when they hold other files too (never a non-run folder)")
    parser.add_argument("--db", default=str(DEFAULT_DB), help=f"memory database (default {DEFAULT_DB})")
    parser.add_argument("--no-db", action="store_true", help="record nothing in the memory database")
    parser.add_argument("--baseline", metavar="DIR", help="compare the runs with earlier results in DIR")
    add_comparison_options(parser)
    parser.add_argument("--json", action="store_true", help="print only JSON")
    parser.add_argument("--html", metavar="FILE", help="also write the HTML resilience report of this suite's runs")
    parser.add_argument("--md", metavar="FILE", help="also write a Markdown summary for a CI job page")
    parser.add_argument("--junit", metavar="FILE", help="also write JUnit XML, one testcase per run")


def run(args: argparse.Namespace) -> int:
    if args.baseline:
        require("scipy.stats", "stats", "suite --baseline")  # the comparison's intervals, asked before any run
        if not Path(args.baseline).exists():
            raise BadInput("no such run directory or folder", file=args.baseline, field="--baseline")
    targets = resolve_targets(args.source)
    without = switched_off(args)
    jobs = [(target, Job(target.file, seed, args.level, Path(args.out), without, force=args.force))
            for target in targets for seed in args.seeds]
    for target, job in jobs:  # every run directory is checked before anything runs
        check_run_dir(run_dir(job, target.scenario.name), force=args.force)
    # A run with safeguards off is an experiment, not a step of the scenario's ladder: it is not recorded.
    db = None if args.no_db or without else MemoryDB(args.db)
    try:
        executor = make_executor(args.workers or (None if args.dask else 1), args.dask, key=job_key())
        try:
            with finished_lines(len(jobs), "suite", args.verbosity) as finished:
                outcomes = run_jobs(jobs, executor, db=db, when=now(),
                                    finished=lambda done, result: finished(done, _finished_text(result)))
        finally:
            executor.close()
    finally:
        if db is not None:
            db.close()
    run_dirs = [outcome.run_dir for outcome in outcomes]
    comparison = None
    if args.baseline:
        comparison = compare(args.baseline, run_dirs, tolerance=args.tolerance, current_name=args.out)
        for item in comparison.skipped:
            print(f"chaosbench suite: --baseline: skipped {item.path}: {item.reason}", file=sys.stderr)
        problem = unpaired(comparison)
        if problem:
            raise BadInput(problem, field="--baseline")
    if args.html or args.md or args.junit:
        from chaosbench.reports import write_reports

        write_reports(run_dirs, html=args.html, md=args.md, junit=args.junit, db=None if args.no_db else args.db,
                      comparison=comparison)
    ok = all(outcome.result.journal.ok for outcome in outcomes) and not (comparison and comparison.regressed)
    if args.json:
        emit("suite", ok, {"runs": [run_summary(outcome.result.journal, outcome.run_dir) for outcome in outcomes],
                           **({"comparison": comparison.to_json()} if comparison else {})})
    else:
        print_table(outcomes, args.verbosity)
        if comparison is not None:
            print()
            print_comparison(comparison)
    return EXIT_PASS if ok else EXIT_FAIL


def _finished_text(result: RunResult) -> str:
    journal = result.journal
    return f"{'ok  ' if journal.ok else 'FAIL'} {journal.label}  {journal.wall_time_s:.2f} s"


#: How the table marks each scenario, by its verdict.
_MARKS = {Verdict.PASSED: "pass", Verdict.FAILED: "FAIL", Verdict.EXPECTED_FAILURE: "pass",
          Verdict.CANARY_PASSED: "FAIL"}


def print_table(outcomes: list[Outcome], verbosity: int = 0) -> None:
    """One line per scenario (seeds passed of run; not under ``-q``), then each run that is not ok with its
    reproduce command."""
    by_scenario: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        by_scenario.setdefault(outcome.result.journal.scenario, []).append(outcome)
    if verbosity >= 0:
        _print_scenarios(by_scenario)
    journals = [outcome.result.journal for outcome in outcomes]
    failures = [journal for journal in journals if not journal.ok]
    expected = sum(journal.verdict is Verdict.EXPECTED_FAILURE for journal in journals)
    print(("\n" if verbosity >= 0 else "") + f"{len(journals) - len(failures)} of {len(journals)} runs ok"
          + (f" ({expected} canary run(s) failed, as they must)" if expected else ""))
    for journal in failures:
        word = paint("CANARY PASSED" if journal.canary else "FAILED", "red")
        print(f"{word} {journal.scenario} seed {journal.seed}: "
              f"{'; '.join(failure_reasons(journal)) or 'a canary must fail'}")
        print(f"  reproduce: {journal.reproduce}")


def _print_scenarios(by_scenario: dict[str, list[Outcome]]) -> None:
    width = max((len(name) for name in by_scenario), default=8)
    for name, runs in by_scenario.items():
        journals = [outcome.result.journal for outcome in runs]
        passed = sum(journal.passed for journal in journals)
        worst = next((journal.verdict for journal in journals if not journal.ok), journals[0].verdict)
        note = {Verdict.EXPECTED_FAILURE: "  (canary: failed, as it must)",
                Verdict.CANARY_PASSED: "  (canary passed: the suite cannot fail)"}.get(worst, "")
        wall = sum(journal.wall_time_s for journal in journals)
        mark = paint(_MARKS[worst], verdict_style(_MARKS[worst] == "pass"))
        print(f"{mark}  {name:<{width}}  {passed}/{len(runs)} seeds passed  level {journals[0].level}"
              f"  {wall:6.2f} s{note}")


def failure_reasons(journal: Journal) -> list[str]:
    """Each failed probe with its value and bound, and each broken invariant with its detail."""
    reasons = [probe.describe() for probe in journal.failed_probes]
    return reasons + [f"invariant {name}: {check.detail}" for name, check in journal.broken_invariants.items()]
