"""``chaosbench loop [SUITE] --rounds N | --days D``: the autonomous chaos loop."""
from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from chaosbench.cli.arguments import MAX_DAYS, MAX_ROUNDS, seed, within
from chaosbench.cli.colour import paint
from chaosbench.cli.commands import Commands, add_command
from chaosbench.cli.exit_codes import EXIT_FAIL, EXIT_PASS
from chaosbench.cli.failures import BadInput
from chaosbench.cli.jsonout import emit
from chaosbench.cli.progress import bar_disabled
from chaosbench.cli.summaries import run_summary
from chaosbench.sim.difficulty.batch import resolve_targets
from chaosbench.sim.difficulty.ladder import standing
from chaosbench.sim.difficulty.loop import next_round, plan_rounds, run_rounds
from chaosbench.sim.difficulty.memory import DEFAULT_DB, MemoryDB
from chaosbench.sim.run.layout import DEFAULT_ROOT

DEFAULT_SUITE = "scenarios/suites/default.yaml"

EXAMPLES = (
    "chaosbench loop scenarios/suites/default.yaml --days 7           # five runs a day for a simulated week",
    "chaosbench loop scenarios/dirt/repeated_kernel_crashes.yaml --rounds 8 --db learn.sqlite --out runs/learn",
)


def add_parser(commands: Commands) -> None:
    parser = add_command(commands, "loop", "the autonomous chaos loop with difficulty escalation", EXAMPLES)
    parser.add_argument("source", nargs="?", default=DEFAULT_SUITE,
                        help=f"suite, folder or file (default {DEFAULT_SUITE})")
    when = parser.add_mutually_exclusive_group(required=True)
    when.add_argument("--rounds", type=within(1, MAX_ROUNDS), help="run every scenario N times")
    when.add_argument("--days", type=within(1, MAX_DAYS),
                      help="follow the five-runs-a-day schedule for D simulated days")
    parser.add_argument("--start", type=_date, help="first simulated day with --days (default 2026-01-01)")
    parser.add_argument("--seed", type=seed, default=0, help="base seed the round seeds derive from (default 0)")
    parser.add_argument("--out", default=str(DEFAULT_ROOT), help=f"folder for run directories (default {DEFAULT_ROOT})")
    parser.add_argument("--db", default=str(DEFAULT_DB), help=f"memory database (default {DEFAULT_DB})")
    parser.add_argument("--json", action="store_true", help="print only JSON")


def _date(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-01-01, got {text!r}") from None


def run(args: argparse.Namespace) -> int:
    targets = resolve_targets(args.source)
    if not targets:
        raise BadInput("no scenarios found", file=args.source)
    with MemoryDB(args.db) as db:
        planned = plan_rounds(targets, rounds=args.rounds, days=args.days, first_round=next_round(db),
                              start=args.start)
        bar = tqdm(total=sum(len(r.targets) for r in planned), desc="loop", unit="run",
                   disable=bar_disabled(args.verbosity), leave=False, delay=1.0)
        done = run_rounds(planned, db, Path(args.out), args.seed, on_run=lambda *_: bar.update())
        bar.close()
        ladder = {t.scenario.name: standing(db, t.scenario.name) for t in targets}
    escalations = [(r, o.result.journal, o.record) for r, o in done if o.record and o.record.escalated]
    failures = [(r, o.result.journal) for r, o in done if not o.result.journal.ok]  # the canary rule
    if args.json:
        emit("loop", not failures, {
            "counts": {"rounds": len(planned), "runs": len(done), "failed": len(failures),
                       "escalations": len(escalations)},
            "ladder": {name: {"level": s.level, "streak": s.streak} for name, s in ladder.items()},
            "escalations": [{"round": r.number, "scenario": journal.scenario, "to_level": record.after.level}
                            for r, journal, record in escalations],
            "runs": [{"round": r.number, **run_summary(o.result.journal, o.run_dir)} for r, o in done],
        })
        return EXIT_FAIL if failures else EXIT_PASS
    print(f"{len(planned)} rounds, {len(done)} runs, {len(failures)} failed, {len(escalations)} escalations")
    width = max(len(name) for name in ladder)
    for name, place in ladder.items() if args.verbosity >= 0 else ():
        print(f"  {name:<{width}}  level {place.level:>2}  streak {place.streak}")
    for round_, journal in failures:
        print(f"{paint('FAILED', 'red')} {round_.label}: {journal.scenario}  reproduce: {journal.reproduce}")
    return EXIT_FAIL if failures else EXIT_PASS
