"""``chaosbench suite SUITE|FOLDER``: run every scenario with K seeds, record and summarise."""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from tqdm import tqdm

from chaosbench.cli.arguments import add_safeguard_switches, non_negative, positive, switched_off
from chaosbench.cli.commands import Commands
from chaosbench.cli.exit_codes import EXIT_FAIL, EXIT_PASS
from chaosbench.reports.content import format_value
from chaosbench.sim.difficulty.batch import Outcome, resolve_targets, run_target
from chaosbench.sim.difficulty.memory import DEFAULT_DB, MemoryDB, wall_clock_now
from chaosbench.sim.run.layout import DEFAULT_ROOT
from chaosbench.sim.run.record import Journal


def add_parser(commands: Commands) -> None:
    parser = commands.add_parser("suite", help="run a suite of scenarios")
    parser.add_argument("source", help="a suite file, a folder of scenarios, or one scenario file")
    parser.add_argument("--seeds", type=positive, default=1, help="seeds 1..K per scenario (default 1)")
    parser.add_argument("--level", type=non_negative, default=0, help="difficulty level (default 0)")
    add_safeguard_switches(parser)
    parser.add_argument("--out", default=str(DEFAULT_ROOT), help=f"folder for run directories (default {DEFAULT_ROOT})")
    parser.add_argument("--db", default=str(DEFAULT_DB), help=f"memory database (default {DEFAULT_DB})")
    parser.add_argument("--no-db", action="store_true", help="record nothing in the memory database")
    parser.add_argument("--json", action="store_true", help="print only JSON")
    parser.add_argument("--html", metavar="FILE", help="also write the HTML resilience report of this suite's runs")
    parser.add_argument("--md", metavar="FILE", help="also write a Markdown summary for a CI job page")
    parser.add_argument("--junit", metavar="FILE", help="also write JUnit XML, one testcase per run")


def run(args: argparse.Namespace) -> int:
    targets = resolve_targets(args.source)
    without = switched_off(args)
    # A run with safeguards off is an experiment, not a step of the scenario's ladder: it is not recorded.
    db = None if args.no_db or without else MemoryDB(args.db)
    outcomes: list[Outcome] = []
    try:
        jobs = [(target, seed) for target in targets for seed in range(1, args.seeds + 1)]
        for target, seed in tqdm(jobs, desc="suite", unit="run", disable=None, leave=False, delay=1.0):
            outcomes.append(run_target(target, seed=seed, level=args.level, out_root=Path(args.out), db=db,
                                       when=wall_clock_now(), without=without))
    finally:
        if db is not None:
            db.close()
    failed = [outcome for outcome in outcomes if not outcome.result.passed]
    if args.html or args.md or args.junit:
        from chaosbench.reports import write_reports

        write_reports([outcome.run_dir for outcome in outcomes], html=args.html, md=args.md, junit=args.junit,
                      db=None if args.no_db else args.db)
    if args.json:
        print(json.dumps({"passed": not failed, "runs": [_summary(outcome) for outcome in outcomes]}, indent=2))
    else:
        print_table(outcomes)
    return EXIT_FAIL if failed else EXIT_PASS


#: The journal keys each run of ``suite --json`` shows.
SUMMARY_KEYS = ("scenario", "file", "level", "seed", "passed", "trace_digest", "reproduce", "probes", "invariants",
                "findings")


def _summary(outcome: Outcome) -> dict[str, Any]:
    journal = outcome.result.journal.to_json()
    return {key: journal[key] for key in SUMMARY_KEYS} | {"run_dir": str(outcome.run_dir)}


def print_table(outcomes: list[Outcome]) -> None:
    """One line per scenario (seeds passed of run), then each failure with its reproduce command."""
    by_scenario: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        by_scenario.setdefault(outcome.result.journal.scenario, []).append(outcome)
    width = max((len(name) for name in by_scenario), default=8)
    for name, runs in by_scenario.items():
        passed = sum(outcome.result.passed for outcome in runs)
        verdict = "pass" if passed == len(runs) else "FAIL"
        wall = sum(outcome.result.journal.wall_time_s for outcome in runs)
        print(f"{verdict}  {name:<{width}}  {passed}/{len(runs)} seeds  level {runs[0].result.journal.level}"
              f"  {wall:6.2f} s")
    failures = [outcome for outcome in outcomes if not outcome.result.passed]
    total = len(outcomes)
    print(f"\n{total - len(failures)} of {total} runs passed")
    for outcome in failures:
        journal = outcome.result.journal
        print(f"FAILED {journal.scenario} seed {journal.seed}: {'; '.join(failure_reasons(journal)) or 'see findings'}")
        print(f"  reproduce: {journal.reproduce}")


def failure_reasons(journal: Journal) -> list[str]:
    """Each failed probe with its value and bound, and each broken invariant with its detail."""
    reasons = [f"{probe.name} = {format_value(probe.value)} (needs {probe.bound})" for probe in journal.failed_probes]
    return reasons + [f"invariant {name}: {check.detail}" for name, check in journal.broken_invariants.items()]
