"""``chaosbench run SCENARIO``: one scenario, one level, one seed, one run directory.

Exit 0 when the run is ok by the canary rule (it passed, or it is a canary that failed), 1 otherwise.
"""
from __future__ import annotations

import argparse

from chaosbench.cli.arguments import add_safeguard_switches, level, seed, switched_off
from chaosbench.cli.commands import Commands, add_command
from chaosbench.cli.exit_codes import EXIT_FAIL, EXIT_PASS
from chaosbench.cli.jsonout import emit
from chaosbench.cli.progress import progress_bar
from chaosbench.cli.terminal import print_run
from chaosbench.sim.run.layout import default_run_dir
from chaosbench.sim.run.rundir import check_run_dir
from chaosbench.sim.run.runner import Setting
from chaosbench.sim.run.streaming import run_to_dir
from chaosbench.sim.scenario.loader import load_scenario, read_yaml
from chaosbench.sim.scenario.overrides import parse_setting, scenario_at

EXAMPLES = (
    "chaosbench run scenarios/baseline/mmc.yaml --seed 7",
    "chaosbench run scenarios/baseline/mmc.yaml --seed 7 --level 3 --json    # only JSON on stdout",
    "chaosbench run scenarios/layer2/worker_dropout.yaml --without worker_reassignment",
    "chaosbench run scenarios/baseline/mmc.yaml --set stack.htm.workers=3 --out runs/three-workers",
)


def add_parser(commands: Commands) -> None:
    parser = add_command(commands, "run", "run one scenario", EXAMPLES)
    parser.add_argument("scenario", help="a scenario file")
    parser.add_argument("--seed", type=seed, default=1, help="the run's seed, 0 or more (default 1)")
    parser.add_argument("--level", type=level, default=0, help="difficulty level (default 0)")
    parser.add_argument("--set", dest="sets", type=one_setting, action="append", default=[], metavar="PATH=VALUE",
                        help="override the field at a dotted path, value read as YAML (repeatable)")
    add_safeguard_switches(parser)
    parser.add_argument("--strict", action="store_true",
                        help="an expected safeguard that never fired fails the run (as strict: true in the file)")
    parser.add_argument("--out", metavar="DIR", help="run directory (default runs/<scenario>/level<L>-seed<S>)")
    parser.add_argument("--force", action="store_true",
                        help="replace a run directory even when it holds other files too (never a non-run folder)")
    parser.add_argument("--json", action="store_true", help="print only JSON: the verdict and the journal")


def one_setting(text: str) -> Setting:
    """An argparse type: ``PATH=VALUE`` with a single value, as ``(path, value)``."""
    try:
        path, values = parse_setting(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if len(values) != 1:
        raise argparse.ArgumentTypeError(f"expected one value for {path} (chaosbench sweep takes several)")
    return path, values[0][0]


def run(args: argparse.Namespace) -> int:
    without = switched_off(args)
    if args.strict:
        args.sets.append(("strict", True))
    if args.sets or without:
        scenario = scenario_at(read_yaml(args.scenario), args.sets, args.scenario, args.level, without)
    else:
        scenario = load_scenario(args.scenario, args.level)
    out = check_run_dir(args.out or default_run_dir(scenario.name, args.level, args.seed), force=args.force)
    with progress_bar(scenario.duration, f"{scenario.name} L{args.level} s{args.seed}",
                      verbosity=args.verbosity) as advance:
        result = run_to_dir(scenario, out, seed=args.seed, level=args.level, file=args.scenario, settings=args.sets,
                            without=without, progress=advance, force=args.force)
    journal = result.journal
    if args.json:
        emit("run", journal.ok, {"verdict": str(journal.verdict), "run_dir": str(out), "journal": journal.to_json()})
    else:
        print_run(journal, out, args.verbosity)
    return EXIT_PASS if journal.ok else EXIT_FAIL
