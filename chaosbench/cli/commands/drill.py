"""``chaosbench drill INCIDENTS``: inject the synthetic incidents of an incident file and record the stack's answers.

Writes a run directory (with the ``incidents`` table) and prints one line per
incident: when it was detected and by what, where it was routed, when it
healed, against its bound. On a terminal the lines are an aligned table
followed by the verdict; piped, they are tab-separated with a header and the
verdict goes to standard error; ``--json`` prints only JSON. Exit 0 when
every incident was detected and healed within its bound (and every invariant
held), 1 otherwise (with the command that reproduces it), 2 for bad input.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chaosbench.cli.arguments import seed
from chaosbench.cli.commands import Commands, add_command
from chaosbench.cli.exit_codes import EXIT_FAIL, EXIT_PASS
from chaosbench.cli.jsonout import emit
from chaosbench.cli.progress import progress_bar
from chaosbench.reports.drills import text_table
from chaosbench.sim.drills.model import load_drill
from chaosbench.sim.drills.runner import DrillResult, run_drill
from chaosbench.sim.run.layout import default_run_dir
from chaosbench.sim.run.rundir import check_run_dir, write_run

EXAMPLES = (
    "chaosbench drill scenarios/drills/every_incident.yaml             # one record per incident",
    "chaosbench drill scenarios/drills/every_incident.yaml --seed 3 --json | jq '.incidents[].time_to_heal'",
)


def add_parser(commands: Commands) -> None:
    parser = add_command(commands, "drill", "inject synthetic incidents and record the stack's answers", EXAMPLES)
    parser.add_argument("incidents", help="an incident file (scenarios/drills/*.yaml)")
    parser.add_argument("--seed", type=seed, default=1, help="the drill's seed (default 1)")
    parser.add_argument("--out", metavar="DIR", help="run directory (default runs/<drill>/level0-seed<S>)")
    parser.add_argument("--force", action="store_true",
                        help="replace a run directory even when it holds other files too (never a non-run folder)")
    parser.add_argument("--json", action="store_true", help="print only JSON: the verdict and every record")


def run(args: argparse.Namespace) -> int:
    drill = load_drill(args.incidents)
    out = check_run_dir(args.out or default_run_dir(drill.name, 0, args.seed), force=args.force)
    with progress_bar(drill.run_for, f"{drill.name} s{args.seed}", verbosity=args.verbosity) as advance:
        result = run_drill(drill, seed=args.seed, file=args.incidents, progress=advance)
    write_run(result.run, out, force=args.force)
    if args.json:
        emit("drill", result.passed, _json(result, out))
    else:
        _print(result, out, table=sys.stdout.isatty())
    return EXIT_PASS if result.passed else EXIT_FAIL


def _json(result: DrillResult, out: Path) -> dict[str, object]:
    journal = result.journal
    return {"drill": journal.scenario, "file": journal.file, "seed": journal.seed, "passed": journal.passed,
            "incidents": [record.model_dump(mode="json") for record in result.records],
            "invariants": {name: check.held for name, check in journal.invariants.items()},
            "findings": journal.findings, "run_dir": str(out), "reproduce": journal.reproduce}


def _print(result: DrillResult, out: Path, *, table: bool) -> None:
    print(text_table(result.incidents, aligned=table))
    # Piped, standard output holds only the rows; the verdict goes to standard error.
    summary = sys.stdout if table else sys.stderr
    journal = result.journal
    healed = sum(record.passed for record in result.records)
    verdict = "PASSED" if journal.passed else "FAILED"
    print(f"{journal.scenario}  seed {journal.seed}  {verdict}: {healed} of {len(result.records)} incident(s) "
          "detected and healed in time", file=summary)
    for name, check in journal.broken_invariants.items():
        print(f"  invariant {name} broken: {check.detail}", file=summary)
    print(f"  results: {out}", file=summary)
    if not journal.passed:
        print(f"  reproduce: {journal.reproduce}", file=summary)
