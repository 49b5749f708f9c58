"""The ``chaosbench`` command line.

Exit status: 0 when everything passed, 1 when a scenario failed, 2 for bad
input or usage. ``--json`` writes only JSON to standard output; progress
bars and messages go to standard error.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

from . import cli_workflows
from .discovery import is_suite, load_suite, yaml_files
from .loader import ScenarioError, load_scenario, read_yaml, scenario_from_document
from .progress import progress_bar
from .results import default_run_dir, write_run
from .runner import run_scenario
from .summary import print_run

EXIT_PASS, EXIT_FAIL, EXIT_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with a one-line message (its default already uses 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"chaosbench: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="chaosbench", description="Chaos and simulation testbench for an orchestration stack.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    validate = commands.add_parser("validate", help="check scenario and suite files")
    validate.add_argument("paths", nargs="+", help="files or folders")
    validate.add_argument("--json", action="store_true", help="print only JSON")

    listing = commands.add_parser("list", help="list the scenarios below a folder")
    listing.add_argument("path", help="a file or folder")
    listing.add_argument("--json", action="store_true", help="print only JSON")

    run = commands.add_parser("run", help="run one scenario")
    run.add_argument("scenario", help="a scenario file")
    run.add_argument("--seed", type=int, default=1, help="the run's seed (default 1)")
    run.add_argument("--level", type=_non_negative, default=0, help="difficulty level (default 0)")
    run.add_argument("--out", help="run directory (default runs/<scenario>/level<L>-seed<S>)")
    run.add_argument("--json", action="store_true", help="print only the journal as JSON")

    cli_workflows.add_parser(commands)
    return parser


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a level of 0 or more, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = {"validate": _validate, "list": _list, "run": _run, "workflows": cli_workflows.run}[args.command]
    try:
        return handler(args)
    except ScenarioError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("chaosbench: interrupted", file=sys.stderr)
        return 130


def _validate(args: argparse.Namespace) -> int:
    files = yaml_files(args.paths)
    report, status = [], EXIT_PASS
    for path in files:
        try:
            document = read_yaml(path)
            if is_suite(document):
                suite, members = load_suite(path, document)
                report.append({"file": str(path), "kind": "suite", "valid": True, "scenarios": len(members)})
            else:
                scenario = scenario_from_document(document, path)
                report.append({"file": str(path), "kind": "scenario", "valid": True, "name": scenario.name})
        except ScenarioError as exc:
            status = EXIT_INPUT
            report.append({"file": str(path), "valid": False,
                           "problems": [{"field": p.field, "message": p.message} for p in exc.problems]})
            if not args.json:
                print(exc.render(), file=sys.stderr)
    if not files:
        print("chaosbench: no YAML files found in " + ", ".join(args.paths), file=sys.stderr)
        status = EXIT_INPUT
    if args.json:
        print(json.dumps({"valid": status == EXIT_PASS, "files": report}, indent=2))
    else:
        good = sum(1 for entry in report if entry["valid"])
        print(f"{good} of {len(report)} files valid")
    return status


def _list(args: argparse.Namespace) -> int:
    rows = []
    for path in yaml_files([args.path]):
        document = read_yaml(path)
        if is_suite(document):
            continue
        scenario = scenario_from_document(document, path)
        rows.append({"name": scenario.name, "title": scenario.title, "tags": scenario.tags,
                     "faults": [fault.kind for fault in scenario.faults], "file": str(path)})
    if args.json:
        print(json.dumps(rows, indent=2))
        return EXIT_PASS
    width = max((len(row["name"]) for row in rows), default=4)
    for row in rows:
        faults = ", ".join(row["faults"]) or "no faults"
        tags = f" [{', '.join(row['tags'])}]" if row["tags"] else ""
        print(f"{row['name']:<{width}}  {row['title']}{tags}  ({faults})")
    return EXIT_PASS


def _run(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, args.level)
    with progress_bar(scenario.duration, f"{scenario.name} L{args.level} s{args.seed}") as advance:
        result = run_scenario(scenario, seed=args.seed, level=args.level, file=args.scenario, progress=advance)
    out = Path(args.out) if args.out else default_run_dir(scenario.name, args.level, args.seed)
    write_run(result, out)
    if args.json:
        print(json.dumps({**result.journal, "run_dir": str(out)}, indent=2, default=str))
    else:
        print_run(result.journal, out)
    return EXIT_PASS if result.passed else EXIT_FAIL


if __name__ == "__main__":
    sys.exit(main())
