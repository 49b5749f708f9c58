"""``chaosbench new NAME --fault KIND ...``: write a commented scenario that validates and runs, to start from."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chaosbench.cli.commands import Commands, add_command
from chaosbench.cli.exit_codes import EXIT_PASS
from chaosbench.cli.failures import BadInput
from chaosbench.cli.jsonout import emit
from chaosbench.cli.schemas import shipped_schema
from chaosbench.sim.faults import FAULTS
from chaosbench.sim.scenario.loader import load_scenario
from chaosbench.sim.scenario.template import scenario_text

EXAMPLES = (
    "chaosbench new checkout --fault worker_dropout           # writes checkout.yaml",
    "chaosbench new storm --fault trigger_storm --fault message_duplication --out scenarios/storm.yaml",
    "chaosbench run checkout.yaml                             # then run it",
)


def add_parser(commands: Commands) -> None:
    parser = add_command(commands, "new", "write a commented scenario to start from", EXAMPLES)
    parser.add_argument("name", help="the scenario's name: lower-case letters, digits, '_' or '-'")
    parser.add_argument("--fault", dest="faults", action="append", default=[], choices=list(FAULTS), metavar="KIND",
                        help=f"a fault to inject, one a minute (repeatable): {', '.join(FAULTS)}")
    parser.add_argument("--out", metavar="FILE", help="where to write it (default NAME.yaml)")
    parser.add_argument("--force", action="store_true", help="replace the file if it exists")
    parser.add_argument("--json", action="store_true", help="print only JSON")


def run(args: argparse.Namespace) -> int:
    out = Path(args.out or f"{args.name}.yaml")
    if out.exists() and not args.force:
        raise BadInput("exists already; --force replaces it", file=str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(scenario_text(args.name, args.faults, schema=str(shipped_schema("scenario"))), encoding="utf-8")
    try:
        load_scenario(out)  # a name that cannot be a scenario's is refused, and the file taken back
    except Exception:
        out.unlink()
        raise
    if args.json:
        emit("new", True, {"file": str(out), "name": args.name, "faults": args.faults})
    else:
        print(f"wrote {out}; run it with: chaosbench run {out}", file=sys.stderr if args.verbosity < 0 else sys.stdout)
    return EXIT_PASS
