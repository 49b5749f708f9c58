"""``chaosbench ablate SCENARIO|SUITE [--seeds K] [--all]``: what each safeguard buys, on paired seeds.

For each scenario: the control (everything as the scenario has it), every
safeguard off, and each expected safeguard off alone (``--all``: each one
the control fired), all on seeds 1..K. Prints, per scenario, a matrix of
experiment x probe (experiment minus control, mean over the seeds with its
95% interval), the verdicts (seeds passed with and without) and the
invariants broken without; writes ``ablation.parquet`` to ``--out``
(default ``runs/<scenario or suite>/ablation``) and, with ``--html FILE``,
the HTML report of that table (the section ``chaosbench report`` shows for
an ablation folder). Exit 0 when every expected
safeguard mattered (a seed's verdict flipped to fail without it), 1 when one
did not, 2 for bad input.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from chaosbench.cli.arguments import add_seeds
from chaosbench.cli.colour import paint
from chaosbench.cli.commands import Commands, add_command
from chaosbench.cli.exit_codes import EXIT_FAIL, EXIT_PASS
from chaosbench.cli.jsonout import emit
from chaosbench.cli.progress import progress_bar
from chaosbench.reports.ablation import ABLATION
from chaosbench.sim.checks.intervals import estimate_text
from chaosbench.sim.difficulty.batch import resolve_targets
from chaosbench.sim.run.layout import DEFAULT_ROOT
from chaosbench.sim.spec.extras import require
from chaosbench.sim.sweep.ablation import ScenarioAblation, ablate, table

EXAMPLES = (
    "chaosbench ablate scenarios/layer2/trigger_mesh_storm.yaml            # seeds 1..3",
    "chaosbench ablate scenarios/suites/smoke.yaml --seeds 5 --all --html ablation.html",
)

def add_parser(commands: Commands) -> None:
    parser = add_command(commands, "ablate", "measure what each safeguard buys: control vs. safeguard off", EXAMPLES)
    parser.add_argument("source", help="a scenario file, a suite file or a folder of scenarios")
    add_seeds(parser, "3", "seeds of every arm, the same for each")
    parser.add_argument("--all", dest="everything_fired", action="store_true",
                        help="also turn off, one at a time, every safeguard the control runs fired")
    parser.add_argument("--out", help="folder for ablation.parquet (default runs/<scenario or suite>/ablation)")
    parser.add_argument("--html", metavar="FILE", help="also write the ablation as a self-contained HTML page")
    parser.add_argument("--json", action="store_true", help="print only JSON")


def run(args: argparse.Namespace) -> int:
    require("scipy.stats", "stats", "chaosbench ablate")  # its intervals; asked before any run
    targets = resolve_targets(args.source)
    ablations = []
    with progress_bar(len(targets), "ablate", unit="scenarios", verbosity=args.verbosity) as advance:
        for done, target in enumerate(targets, start=1):
            ablations.append(ablate(target.file, args.seeds, everything_fired=args.everything_fired))
            advance(done)
    name = targets[0].scenario.name if len(targets) == 1 else Path(args.source).stem
    out = Path(args.out) if args.out else DEFAULT_ROOT / name / "ablation"
    out.mkdir(parents=True, exist_ok=True)
    frame = table(ablations)
    frame.to_parquet(out / ABLATION, index=False)
    if args.html:
        from chaosbench.reports import write_reports

        write_reports(out / ABLATION, html=args.html)
    dead_weight = [f"{ablation.scenario}: {name}" for ablation in ablations for name in ablation.dead_weight]
    if args.json:
        report: dict[str, Any] = {"dead_weight": dead_weight, "table": str(out / ABLATION),
                                  "scenarios": [ablation.to_json() for ablation in ablations]}
        emit("ablate", not dead_weight, report)
    else:
        for ablation in ablations if args.verbosity >= 0 else ():
            print_matrix(ablation)
        print(f"table: {out / ABLATION}")
        for line in dead_weight:
            print(f"{paint('DEAD WEIGHT', 'red')} {line}: no seed failed without it "
                  "(or the scenario is too soft to need it)")
    return EXIT_FAIL if dead_weight else EXIT_PASS


def print_matrix(ablation: ScenarioAblation) -> None:
    """The scenario's experiments x probes: each cell the paired difference and its 95% interval."""
    seeds = len(ablation.seeds)
    print(f"{ablation.scenario}  (control passed {ablation.control_passed}/{seeds} seeds; "
          f"cells: experiment - control, mean [95% CI] over {seeds} paired seeds)")
    probes = [f"{probe.probe} {probe.bound_text}" for probe in ablation.comparisons[0].probes]
    cells = [[estimate_text(probe.difference, probe.ci_low, probe.ci_high, signed=True) for probe in comparison.probes]
             for comparison in ablation.comparisons]
    widths = [max(len(text) for text in column) for column in zip(probes, *cells, strict=True)]
    names = [("* " if comparison.expected else "  ") + comparison.experiment for comparison in ablation.comparisons]
    name_width = max(map(len, ["experiment", *names]))
    header = "  ".join(f"{text:<{width}}" for text, width in zip(probes, widths, strict=True))
    print(f"  {'experiment':<{name_width}}  {'passed':<7}  {header}  invariants broken")
    for name, comparison, row in zip(names, ablation.comparisons, cells, strict=True):
        verdict = f"{comparison.experiment_passed}/{seeds}"
        line = "  ".join(f"{text:<{width}}" for text, width in zip(row, widths, strict=True))
        print(f"  {name:<{name_width}}  {verdict:<7}  {line}  {', '.join(comparison.invariants_broken) or '-'}")
    for comparison in ablation.comparisons:
        for command in comparison.reproduce[:1]:
            print(f"  without {comparison.experiment}, a seed fails: {command}")
    print("  (* expected safeguard)\n")

