"""``chaosbench validate PATH...``: check scenario, suite and incident files, reporting every problem."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from chaosbench.cli.commands import Commands, add_command
from chaosbench.cli.exit_codes import EXIT_INPUT, EXIT_PASS
from chaosbench.cli.failures import BadInput
from chaosbench.cli.jsonout import emit
from chaosbench.sim.drills.model import drill_from_document
from chaosbench.sim.scenario.discovery import is_drill, is_suite, load_suite, yaml_files
from chaosbench.sim.scenario.loader import ScenarioError, read_yaml, scenario_from_document

EXAMPLES = (
    "chaosbench validate scenarios/                 # every scenario and suite file below the folder",
    "chaosbench validate my_scenario.yaml --json    # problems with file, field, line and column",
)


def add_parser(commands: Commands) -> None:
    parser = add_command(commands, "validate", "check scenario, suite and incident files", EXAMPLES)
    parser.add_argument("paths", nargs="+", help="files or folders")
    parser.add_argument("--json", action="store_true", help="print only JSON")


def run(args: argparse.Namespace) -> int:
    files = yaml_files(args.paths)
    if not files:
        raise BadInput("no YAML files found in " + ", ".join(args.paths))
    report: list[dict[str, Any]] = []
    status = EXIT_PASS
    for path in files:
        try:
            document = read_yaml(path)
            if is_suite(document):
                _, members = load_suite(path, document)
                report.append({"file": str(path), "kind": "suite", "valid": True, "scenarios": len(members)})
            elif is_drill(path, document):
                drill = drill_from_document(document, path)
                report.append({"file": str(path), "kind": "drill", "valid": True, "name": drill.name,
                               "incidents": len(drill.incidents)})
            else:
                scenario = scenario_from_document(document, path)
                report.append({"file": str(path), "kind": "scenario", "valid": True, "name": scenario.name})
        except ScenarioError as exc:
            status = EXIT_INPUT
            report.append({"file": str(path), "valid": False,
                           "problems": [{"field": p.field, "message": p.message, "line": p.line, "column": p.column}
                                        for p in exc.problems]})
            if not args.json:
                print(exc.render(), file=sys.stderr)
    if args.json:
        emit("validate", status == EXIT_PASS, {"files": report})
    elif args.verbosity >= 0 or status != EXIT_PASS:
        good = sum(1 for entry in report if entry["valid"])
        print(f"{good} of {len(report)} files valid")
    return status
