"""The JSON Schemas chaosbench ships: of scenario and suite files, and of every command's ``--json`` output.

Both are generated from the code (the scenario models, the output envelopes of
:mod:`chaosbench.cli.envelopes` and
:mod:`chaosbench.cli.workflow_envelopes`) and shipped as files in ``chaosbench/schemas/``
for editors and other programs; a test holds the files to what the code
generates, so they cannot drift.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from chaosbench.cli import envelopes, workflow_envelopes
from chaosbench.cli.jsonout import schema_id
from chaosbench.sim.scenario.file_schema import DIALECT, files_schema

#: Where the shipped schema files are.
FOLDER = Path(__file__).resolve().parent.parent / "schemas"
#: The schemas there, by what they describe.
SCHEMAS = ("scenario", "output")


def shipped_schema(kind: str) -> Path:
    """The shipped file of the schema ``kind`` (one of :data:`SCHEMAS`)."""
    return FOLDER / f"{kind}.schema.json"


def generated_schema(kind: str) -> dict[str, Any]:
    """The schema ``kind`` as the code defines it now."""
    return files_schema() if kind == "scenario" else output_schema()


def schema_text(kind: str) -> str:
    """The schema ``kind`` as its shipped file holds it: indented JSON ending with a newline."""
    return json.dumps(generated_schema(kind), indent=2, ensure_ascii=False) + "\n"


#: Every kind of envelope, by the kind its ``schema`` names.
ENVELOPES: dict[str, type] = {
    "error": envelopes.ErrorEnvelope, "validate": envelopes.ValidateEnvelope, "list": envelopes.ListEnvelope,
    "run": envelopes.RunEnvelope, "suite": envelopes.SuiteEnvelope, "loop": envelopes.LoopEnvelope,
    "frontier": envelopes.FrontierEnvelope, "explore": envelopes.ExploreEnvelope, "swarm": envelopes.SwarmEnvelope,
    "sweep": envelopes.SweepEnvelope, "ablate": envelopes.AblateEnvelope, "compare": envelopes.CompareEnvelope,
    "report": envelopes.ReportEnvelope, "workflows-list": workflow_envelopes.WorkflowsListEnvelope,
    "workflows-show": workflow_envelopes.WorkflowsShowEnvelope,
    "workflows-validate": workflow_envelopes.WorkflowsValidateEnvelope,
    "workflows-stats": workflow_envelopes.WorkflowsStatsEnvelope, "new": envelopes.NewEnvelope,
    "drill": envelopes.DrillEnvelope,
}

#: The names of the envelopes' own types (the journal's models say for themselves what they allow).
_OURS = frozenset(name for module in (envelopes, workflow_envelopes) for name, value in vars(module).items()
                  if isinstance(value, type) and value.__module__ == module.__name__)


def output_schema() -> dict[str, Any]:
    """The JSON Schema of every ``--json`` output: one of the envelopes, told apart by ``schema``."""
    definitions: dict[str, Any] = {}
    choices = []
    for kind, envelope in ENVELOPES.items():
        schema = TypeAdapter(envelope).json_schema(mode="serialization", ref_template="#/$defs/{model}")
        definitions.update(schema.pop("$defs", {}))
        definitions.update({name: _closed(definition) for name, definition in definitions.items()})
        schema["properties"]["schema"] = {"const": schema_id(kind)}
        definitions[envelope.__name__] = _closed(schema)
        choices.append({"$ref": f"#/$defs/{envelope.__name__}"})
    return _nullable_numbers({
        "$schema": DIALECT,
        "title": "chaosbench --json output",
        "description": "What every chaosbench command prints with --json: one envelope, named by its 'schema'.",
        "oneOf": choices,
        "$defs": definitions,
    })


def _closed(definition: dict[str, Any]) -> dict[str, Any]:
    """A definition of this module's types allows no other key: a key renamed or added fails the schema test."""
    if definition.get("title") in _OURS and "additionalProperties" not in definition:
        return {**definition, "additionalProperties": False}
    return definition


def _nullable_numbers(node: Any) -> Any:
    """Every ``number`` may also be ``null``: JSON has no NaN and no infinity, and the output writes ``null``."""
    if isinstance(node, dict):
        node = {key: _nullable_numbers(value) for key, value in node.items()}
        if node.get("type") == "number":
            node["type"] = ["number", "null"]
        return node
    if isinstance(node, list):
        return [_nullable_numbers(value) for value in node]
    return node
