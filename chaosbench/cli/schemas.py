"""The JSON Schemas chaosbench ships: of scenario and suite files, and of every command's ``--json`` output.

Both are generated from the code (the scenario models, the output envelopes of
:mod:`chaosbench.cli.envelopes`) and shipped as files in ``chaosbench/schemas/``
for editors and other programs; a test holds the files to what the code
generates, so they cannot drift.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: Where the shipped schema files are.
FOLDER = Path(__file__).resolve().parent.parent / "schemas"
#: The schemas there, by what they describe.
SCHEMAS = ("scenario", "output")


def shipped_schema(kind: str) -> Path:
    """The shipped file of the schema ``kind`` (one of :data:`SCHEMAS`)."""
    return FOLDER / f"{kind}.schema.json"


def generated_schema(kind: str) -> dict[str, Any]:
    """The schema ``kind`` as the code defines it now."""
    if kind == "scenario":
        from chaosbench.sim.scenario.file_schema import files_schema

        return files_schema()
    from chaosbench.cli.envelopes import output_schema

    return output_schema()


def schema_text(kind: str) -> str:
    """The schema ``kind`` as its shipped file holds it: indented JSON ending with a newline."""
    return json.dumps(generated_schema(kind), indent=2, ensure_ascii=False) + "\n"
