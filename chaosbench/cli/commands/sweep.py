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
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from chaosbench.cli.arguments import add_safeguard_switches, positive, switched_off
from chaosbench.cli.commands import Commands
from chaosbench.cli.exit_codes import EXIT_FAIL, EXIT_INPUT, EXIT_PASS
from chaosbench.cli.jsonout import print_json
from chaosbench.cli.progress import progress_bar
from chaosbench.sim.run.layout import DEFAULT_ROOT
from chaosbench.sim.scenario.overrides import parse_setting
from chaosbench.sim.sweep.executors import ExecutorUnavailable, make_executor
from chaosbench.sim.sweep.parts import PartStore, check_sweep_dir
from chaosbench.sim.sweep.sweeps import SweepOutcome, SweepRunError, execute, load_sweep, parse_seeds


def add_parser(commands: Commands) -> None:
    parser = commands.add_parser("sweep", help="run a scenario over seeds × settings × levels")
    parser.add_argument("scenario", help="a scenario file")
    parser.add_argument("--seeds", type=_argument(parse_seeds), required=True,
                        help="seeds A:B (both included) or one seed")
    parser.add_argument("--set", dest="sets", type=_argument(parse_setting), action="append", default=[],
                        metavar="PATH=V1,V2", help="values to sweep at a dotted path of the scenario (repeatable)")
    add_safeguard_switches(parser)
    parser.add_argument("--levels", type=_argument(_levels), default=[0], help="difficulty levels, e.g. 0,1,2")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=positive,
                       help="local processes (default: one per core; 1 = serial)")
    where.add_argument("--dask", metavar="ADDRESS", help="a Dask scheduler (tcp://host:8786) or 'local'")
    parser.add_argument("--out", help="output folder (default runs/<scenario>/sweep)")
    parser.add_argument("--json", action="store_true", help="print only a JSON summary")


T = TypeVar("T")


def _argument(parse: Callable[[str], T]) -> Callable[[str], T]:
    """``parse`` as an argparse type: its ValueError becomes argparse's own error."""

    def convert(text: str) -> T:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    convert.__name__ = parse.__name__
    return convert


def _levels(text: str) -> list[int]:
    try:
        levels = [int(item) for item in text.split(",")]
    except ValueError:
        raise ValueError(f"expected levels as L1,L2,..., got {text!r}") from None
    if any(level < 0 for level in levels):
        raise ValueError(f"expected levels of 0 or more, got {text!r}")
    return list(dict.fromkeys(levels))


def run(args: argparse.Namespace) -> int:
    sweep = load_sweep(args.scenario, args.sets, args.levels, args.seeds, switched_off(args))
    out = check_sweep_dir(Path(args.out) if args.out else DEFAULT_ROOT / sweep.name / "sweep")
    try:
        executor = make_executor(args.workers, args.dask, key=lambda chunk: f"chaosbench-{chunk[0]['key']}")
    except ExecutorUnavailable as exc:
        print(f"chaosbench: {exc}", file=sys.stderr)
        return EXIT_INPUT
    try:
        with progress_bar(len(sweep.runs()), f"sweep {Path(args.scenario).stem}", unit="runs") as advance:
            outcome = execute(sweep, out, executor, progress=advance)
    except SweepRunError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INPUT
    finally:
        executor.close()
    report = _report(outcome, out, args, sweep.document)
    PartStore(out).write_json("sweep", report)
    if args.json:
        print_json(report)
    else:
        _print(report)
    return EXIT_PASS if outcome.failed.empty else EXIT_FAIL


def _report(outcome: SweepOutcome, out: Path, args: argparse.Namespace, document: dict[str, Any]) -> dict[str, Any]:
    table = outcome.table
    tags = document.get("tags")
    return {
        "scenario": args.scenario,
        "name": str(document.get("name", Path(args.scenario).stem)),
        "tags": [str(tag) for tag in tags] if isinstance(tags, list) else [],
        "out": str(out),
        "runs": len(table),
        "ran": outcome.ran,
        "resumed": outcome.skipped,
        "passed": int(table["passed"].sum()),
        "failed": int((~table["passed"]).sum()),
        "results": str(out / "results.parquet"),
        "summary": json.loads(outcome.summary.to_json(orient="records")),
        "probes": outcome.probes,
        "reproduce": outcome.failed["reproduce"].tolist(),
    }


_STATISTICS = ("metric", "runs", "mean", "ci_low", "ci_high", "interval")


def _print(report: dict[str, Any]) -> None:
    print(f"{report['scenario']}: {report['runs']} runs ({report['ran']} run now, {report['resumed']} already done), "
          f"{report['passed']} passed, {report['failed']} failed")
    groups = ["  ".join(f"{key}={value}" for key, value in row.items() if key not in _STATISTICS)
              for row in report["summary"]]
    width = max(map(len, groups), default=0)
    metric_width = max((len(row["metric"]) for row in report["summary"]), default=0)
    for group, row in zip(groups, report["summary"], strict=True):
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
