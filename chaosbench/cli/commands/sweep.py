"""``chaosbench sweep SCENARIO --seeds A:B [--set path=v1,v2 ...] [--levels L1,L2]``: many runs, one table.

Results go to ``--out`` (default ``runs/<scenario>/sweep``): ``results.parquet``
(one row per run), ``summary.parquet`` (per setting and level, the mean of
each probe with its 95% Student-t interval, and the pass rate with its exact
Clopper–Pearson interval) and ``sweep.json`` (this summary, with each probe's
bound). Rerunning the same command skips the runs already done.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from chaosbench.cli.arguments import add_executor_options, add_safeguard_switches, add_seeds, argument, switched_off
from chaosbench.cli.commands import Commands, add_command
from chaosbench.cli.exit_codes import EXIT_FAIL, EXIT_PASS
from chaosbench.cli.jsonout import emit
from chaosbench.cli.progress import progress_bar
from chaosbench.sim.parallel.executors import make_executor
from chaosbench.sim.run.layout import DEFAULT_ROOT
from chaosbench.sim.scenario.overrides import parse_setting
from chaosbench.sim.spec.extras import require
from chaosbench.sim.sweep.parts import PartStore, check_sweep_dir
from chaosbench.sim.sweep.sweeps import MAX_SWEEP_RUNS, SweepOutcome, execute, load_sweep

EXAMPLES = (
    "chaosbench sweep scenarios/baseline/mmc.yaml --seeds 20 --set stack.htm.workers=4,5,6 --levels 0,1",
    "chaosbench sweep scenarios/baseline/mmc.yaml --seeds 1:20 --workers 1          # serially, in this process",
    "chaosbench sweep scenarios/baseline/mmc.yaml --seeds 1:20 --dask local         # a Dask LocalCluster",
)


def add_parser(commands: Commands) -> None:
    parser = add_command(commands, "sweep", "run a scenario over seeds × settings × levels", EXAMPLES)
    parser.add_argument("scenario", help="a scenario file")
    add_seeds(parser, None, "seeds of every setting and level", most=MAX_SWEEP_RUNS)
    parser.add_argument("--set", dest="sets", type=argument(parse_setting), action="append", default=[],
                        metavar="PATH=V1,V2", help="values to sweep at a dotted path of the scenario (repeatable)")
    add_safeguard_switches(parser)
    parser.add_argument("--levels", type=argument(_levels), default=[0], help="difficulty levels, e.g. 0,1,2")
    add_executor_options(parser, "one per core")
    parser.add_argument("--out", metavar="DIR", help="output folder (default runs/<scenario>/sweep)")
    parser.add_argument("--json", action="store_true", help="print only a JSON summary")


def _levels(text: str) -> list[int]:
    try:
        levels = [int(item) for item in text.split(",")]
    except ValueError:
        raise ValueError(f"expected levels as L1,L2,..., got {text!r}") from None
    if any(level < 0 for level in levels):
        raise ValueError(f"expected levels of 0 or more, got {text!r}")
    return list(dict.fromkeys(levels))


def run(args: argparse.Namespace) -> int:
    require("scipy.stats", "stats", "chaosbench sweep")  # its intervals; asked before any run
    sweep = load_sweep(args.scenario, args.sets, args.levels, args.seeds, switched_off(args))
    out = check_sweep_dir(Path(args.out) if args.out else DEFAULT_ROOT / sweep.name / "sweep")
    executor = make_executor(args.workers, args.dask, key=lambda chunk: f"chaosbench-{chunk[0]['key']}")
    try:
        with progress_bar(len(sweep.runs()), f"sweep {Path(args.scenario).stem}", unit="runs",
                          verbosity=args.verbosity) as advance:
            outcome = execute(sweep, out, executor, progress=advance)
    finally:
        executor.close()
    report = _report(outcome, out, args, sweep.document)
    PartStore(out).write_json("sweep", report)
    if args.json:
        emit("sweep", outcome.failed.empty, report)
    else:
        _print(report, args.verbosity)
    return EXIT_PASS if outcome.failed.empty else EXIT_FAIL


def _report(outcome: SweepOutcome, out: Path, args: argparse.Namespace, document: dict[str, Any]) -> dict[str, Any]:
    table = outcome.table
    tags = document.get("tags")
    return {
        "scenario": args.scenario,
        "name": str(document.get("name", Path(args.scenario).stem)),
        "tags": [str(tag) for tag in tags] if isinstance(tags, list) else [],
        "out": str(out),
        "counts": {"runs": len(table), "ran": outcome.ran, "resumed": outcome.skipped,
                   "passed": int(table["passed"].sum()), "failed": int((~table["passed"]).sum())},
        "results": str(out / "results.parquet"),
        "summary": json.loads(outcome.summary.to_json(orient="records")),
        "probes": outcome.probes,
        "reproduce": outcome.failed["reproduce"].tolist(),
    }


_STATISTICS = ("metric", "runs", "mean", "ci_low", "ci_high", "interval")


def _print(report: dict[str, Any], verbosity: int) -> None:
    counts = report["counts"]
    print(f"{report['scenario']}: {counts['runs']} runs ({counts['ran']} run now, {counts['resumed']} already done), "
          f"{counts['passed']} passed, {counts['failed']} failed")
    groups = ["  ".join(f"{key}={value}" for key, value in row.items() if key not in _STATISTICS)
              for row in report["summary"]]
    width = max(map(len, groups), default=0)
    metric_width = max((len(row["metric"]) for row in report["summary"]), default=0)
    for group, row in zip(groups, report["summary"], strict=True) if verbosity >= 0 else ():
        if row["metric"] == "passed":
            passed = round(row["mean"] * row["runs"]) if row["mean"] is not None else 0
            figure = f"pass rate {passed}/{row['runs']}"
        else:
            figure = f"mean {_number(row['mean'])}"
        print(f"  {group:<{width}}  {row['metric']:<{metric_width}}  {figure:<18} "
              f"95% CI [{_number(row['ci_low'])}, {_number(row['ci_high'])}] ({row['interval']})  n={row['runs']}")
    for command in report["reproduce"]:
        print(f"  reproduce: {command}")
    print(f"  results: {report['results']}")


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"
