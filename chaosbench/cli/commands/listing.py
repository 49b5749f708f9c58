"""``chaosbench list PATH``: name, title, tags and faults of each scenario, and the incidents of each drill."""
from __future__ import annotations

import argparse

from chaosbench.cli.commands import Commands, add_command
from chaosbench.cli.exit_codes import EXIT_PASS
from chaosbench.cli.jsonout import emit
from chaosbench.sim.drills.model import drill_from_document
from chaosbench.sim.scenario.discovery import is_drill, is_suite, yaml_files
from chaosbench.sim.scenario.loader import read_yaml, scenario_from_document

EXAMPLES = (
    "chaosbench list scenarios/",
    "chaosbench list scenarios/ --json | jq -r '.scenarios[].name'",
)


def add_parser(commands: Commands) -> None:
    parser = add_command(commands, "list", "list the scenarios and drills below a folder", EXAMPLES)
    parser.add_argument("path", help="a file or folder")
    parser.add_argument("--json", action="store_true", help="print only JSON")


def run(args: argparse.Namespace) -> int:
    rows = []
    for path in yaml_files([args.path]):
        document = read_yaml(path)
        if is_suite(document):
            continue
        if is_drill(path, document):
            drill = drill_from_document(document, path)
            rows.append({"name": drill.name, "title": drill.title, "tags": drill.tags, "faults": [],
                         "incidents": [entry.name for entry in drill.incidents], "file": str(path)})
            continue
        scenario = scenario_from_document(document, path)
        rows.append({"name": scenario.name, "title": scenario.title, "tags": scenario.tags,
                     "faults": [fault.name for fault in scenario.faults], "file": str(path)})
    if args.json:
        emit("list", True, {"scenarios": rows})
        return EXIT_PASS
    width = max((len(row["name"]) for row in rows), default=4)
    for row in rows:
        faults = ", ".join(row["faults"]) or "no faults"
        if "incidents" in row:
            faults = "drill: " + ", ".join(row["incidents"])
        tags = f" [{', '.join(row['tags'])}]" if row["tags"] else ""
        print(f"{row['name']:<{width}}  {row['title']}{tags}  ({faults})")
    return EXIT_PASS
