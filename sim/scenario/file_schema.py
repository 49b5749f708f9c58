"""The JSON Schema of scenario and suite files, generated from the models that validate them.

Editors read it to complete and check scenario files as they are typed (the
YAML language server: a first line ``# yaml-language-server:
$schema=<file>``). The models stay the authority: a file the schema accepts
may still be refused for what a schema cannot say (weights that must sum to 1,
faults that must end before the run, unique probe ids), with the field, line
and column named.
"""
from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from chaosbench.sim.scenario.discovery import Suite
from chaosbench.sim.scenario.model import Scenario

#: The JSON Schema dialect of every schema chaosbench ships.
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def files_schema() -> dict[str, Any]:
    """One schema for both kinds of file: a scenario, or a suite (a name and a list of scenario files)."""
    _, schema = models_json_schema([(Scenario, "validation"), (Suite, "validation")],
                                   ref_template="#/$defs/{model}")
    return {
        "$schema": DIALECT,
        "title": "chaosbench scenario or suite file",
        "anyOf": [{"$ref": "#/$defs/Scenario"}, {"$ref": "#/$defs/Suite"}],
        "$defs": schema["$defs"],
    }
