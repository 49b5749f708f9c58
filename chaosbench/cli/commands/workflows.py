"""``chaosbench workflows``: list, show, validate and report on trigger-mesh workflows.

* ``list [--file F]``: the workflows of a file (the packaged trigger mesh by default);
* ``show NAME [--file F]``: one workflow, as defined;
* ``validate [FILE ...]``: check workflow files (or policy rule files, recognised by
  their ``rules`` key) against the grammar, the event schemas and the kernels;
  exit 2 naming the file and field of the first problem of each bad file;
* ``stats RUN_DIR``: router, engine, bus and policy statistics of a finished run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from chaosbench.cli.commands import Commands, add_command
from chaosbench.cli.exit_codes import EXIT_INPUT, EXIT_PASS
from chaosbench.cli.failures import BadInput
from chaosbench.cli.jsonout import emit
from chaosbench.orchestration.core.errors import DefinitionError
from chaosbench.orchestration.core.yamlfile import load_yaml
from chaosbench.orchestration.mesh.event_schema import EventSchemas
from chaosbench.orchestration.mesh.registry import default_workflow_path
from chaosbench.orchestration.mesh.workflow_spec import WorkflowSet, load_workflow_file
from chaosbench.orchestration.policy.rules import load_rules
from chaosbench.reports.loading import READ_ERRORS
from chaosbench.sim.run.rundir import read_journal, read_table

EXAMPLES = {
    "workflows": ("chaosbench workflows list", "chaosbench workflows show kpi_critical_healing",
                  "chaosbench workflows validate my_workflows.yaml rules.yaml",
                  "chaosbench workflows stats runs/event_stream_5000/level0-seed1"),
    "list": ("chaosbench workflows list", "chaosbench workflows list --file my_workflows.yaml --json"),
    "show": ("chaosbench workflows show kpi_critical_healing",),
    "validate": ("chaosbench workflows validate                      # the packaged trigger mesh",
                 "chaosbench workflows validate my_workflows.yaml rules.yaml --json"),
    "stats": ("chaosbench workflows stats runs/event_stream_5000/level0-seed1",),
}


def add_parser(subparsers: Commands) -> argparse.ArgumentParser:
    """Add the ``workflows`` command and its sub-commands to ``subparsers``."""
    parser = add_command(subparsers, "workflows", "list, show, validate workflows; statistics of a run",
                     EXAMPLES["workflows"])
    actions = parser.add_subparsers(dest="workflows_command", required=True, metavar="COMMAND")
    listing = add_command(actions, "list", "list the workflows of a file", EXAMPLES["list"])
    listing.add_argument("--file", help="workflow file (default: the packaged trigger mesh)")
    listing.add_argument("--json", action="store_true", help="print only JSON")
    show = add_command(actions, "show", "show one workflow", EXAMPLES["show"])
    show.add_argument("name")
    show.add_argument("--file", help="workflow file (default: the packaged trigger mesh)")
    show.add_argument("--json", action="store_true", help="print only JSON")
    validate = add_command(actions, "validate", "check workflow or policy rule files", EXAMPLES["validate"])
    validate.add_argument("files", nargs="*", help="files to check (default: the packaged trigger mesh)")
    validate.add_argument("--json", action="store_true", help="print only JSON")
    stats = add_command(actions, "stats", "trigger-mesh statistics of a run directory", EXAMPLES["stats"])
    stats.add_argument("run_dir")
    stats.add_argument("--json", action="store_true", help="print only JSON")
    return parser


def run(args: argparse.Namespace) -> int:
    """Carry out ``chaosbench workflows ...``; the exit status."""
    handler = {"list": _list, "show": _show, "validate": _validate, "stats": _stats}[args.workflows_command]
    return handler(args)


def _load(file: str | None) -> WorkflowSet:
    return load_workflow_file(file or default_workflow_path(), EventSchemas.load())


def _summary(workflow: Any) -> dict[str, Any]:
    return {
        "name": workflow.name,
        "event_type": workflow.event_type,
        "enabled": workflow.enabled,
        "actions": [f"{a.kernel}.{a.action}" for step in workflow.steps for a in step],
        "parallel_groups": sum(1 for step in workflow.steps if len(step) > 1),
        "rate_limit": None
        if workflow.rate_limit is None
        else {"max_events": workflow.rate_limit[0], "per_s": workflow.rate_limit[1]},
        "description": workflow.description,
    }


def _list(args: argparse.Namespace) -> int:
    workflows = _load(args.file)
    rows = [_summary(w) for w in workflows.workflows]
    if args.json:
        emit("workflows-list", True, {"file": workflows.source,
                                      "configuration": workflows.configuration.model_dump(), "workflows": rows})
        return EXIT_PASS
    width = max((len(r["name"]) for r in rows), default=4)
    for row in rows:
        state = "" if row["enabled"] else "  (disabled)"
        print(f"{row['name']:<{width}}  {row['event_type']:<34} -> {', '.join(row['actions'])}{state}")
    print(f"{len(rows)} workflows in {workflows.source}")
    return EXIT_PASS


def _show(args: argparse.Namespace) -> int:
    workflows = _load(args.file)
    match = [w for w in workflows.workflows if w.name == args.name]
    if not match:
        names = ", ".join(w.name for w in workflows.workflows)
        raise BadInput(f"no workflow named {args.name!r}; there are: {names}", file=workflows.source)
    workflow = match[0]
    if args.json:
        emit("workflows-show", True, {"workflow": {**_summary(workflow), "definition": workflow.definition}})
    else:
        print(yaml.safe_dump(workflow.definition, sort_keys=False).rstrip())
    return EXIT_PASS


def _validate(args: argparse.Namespace) -> int:
    files = args.files or [str(default_workflow_path())]
    schemas = EventSchemas.load()
    report, status = [], EXIT_PASS
    for file in files:
        try:
            data = load_yaml(file)
            if isinstance(data, dict) and "rules" in data and "workflows" not in data:
                count = len(load_rules(file, schemas))
                report.append({"file": file, "valid": True, "kind": "rules", "rules": count})
            else:
                count = len(load_workflow_file(file, schemas).workflows)
                report.append({"file": file, "valid": True, "kind": "workflows", "workflows": count})
        except DefinitionError as exc:
            status = EXIT_INPUT
            report.append({"file": file, "valid": False, "field": exc.path, "message": exc.message})
            if not args.json:
                print(f"chaosbench: {exc.describe()}", file=sys.stderr)
    if args.json:
        emit("workflows-validate", status == EXIT_PASS, {"files": report})
    else:
        good = [r for r in report if r["valid"]]
        for row in good:
            print(f"{row['file']}: valid ({row.get('workflows', row.get('rules'))} {row['kind']})")
        print(f"{len(good)} of {len(report)} files valid")
    return status


_GROUPS = ("router", "engine", "bus", "policy")


def _stats(args: argparse.Namespace) -> int:
    run_dir = Path(args.run_dir)
    journal = read_journal(run_dir)
    try:
        events, workflows = read_table(run_dir, "events"), read_table(run_dir, "workflows")
    except READ_ERRORS as exc:
        raise BadInput(f"a table cannot be read: {exc}", file=str(run_dir)) from None
    counters = journal.counts.counters
    result: dict[str, Any] = {
        group: {key[len(group) + 1 :]: value for key, value in counters.items() if key.startswith(group + ".")}
        for group in _GROUPS
    }
    result["safeguards"] = journal.safeguards.fired
    if events is not None and len(events):
        peak = events.loc[events["received"].idxmax()]
        result["per_second"] = {
            "seconds": int(len(events)),
            "peak_received": int(peak["received"]),
            "peak_second": int(peak["second"]),
            "mean_received": float(events["received"].mean()),
        }
    if workflows is not None and len(workflows):
        result["workflows"] = {
            str(name): {
                "runs": int(len(group)),
                "failed": int((group["outcome"] == "failed").sum()),
                "latency_p50_s": float(group["latency"].quantile(0.5)),
                "latency_p99_s": float(group["latency"].quantile(0.99)),
            }
            for name, group in workflows.groupby("workflow")
        }
    if args.json:
        emit("workflows-stats", True, {"run_dir": str(run_dir), "scenario": journal.scenario, "stats": result})
        return EXIT_PASS
    print(f"{journal.scenario}  seed {journal.seed}  level {journal.level}")
    for group in _GROUPS:
        values = {k: v for k, v in result[group].items() if not isinstance(v, dict)}
        if values:
            print(
                f"  {group}: "
                + ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in values.items())
            )
    if result["safeguards"]:
        print("  safeguards fired: " + ", ".join(f"{k} {v:,}" for k, v in result["safeguards"].items()))
    if "per_second" in result:
        p = result["per_second"]
        peak = f"peak {p['peak_received']:,} in second {p['peak_second']}"
        print(f"  events: {p['mean_received']:,.0f}/s on average, {peak}")
    for name, row in result.get("workflows", {}).items():
        latency = f"latency p50 {row['latency_p50_s']:.3f}s p99 {row['latency_p99_s']:.3f}s"
        print(f"  {name}: {row['runs']} runs, {row['failed']} failed, {latency}")
    return EXIT_PASS
