"""What ``--json`` prints: one envelope of strict JSON (RFC 8259) on standard output, whatever the numbers are.

Every command prints one object, ``{"schema": "chaosbench/<kind>/v1", "ok": ..., ...}``:
``schema`` names what the rest holds (the shipped JSON Schema,
``chaosbench schema output``, describes each kind), ``ok`` is true exactly when
the command exits 0. A failure (bad input, the environment) is printed as the
kind ``error``: ``{"schema": "chaosbench/error/v1", "ok": false, "command": ...,
"status": 2, "errors": [{"status", "file", "field", "message"}, ...]}``.

JSON has no NaN and no infinity; Python's ``json`` would print them as the bare
words ``NaN`` and ``Infinity``, which JSON parsers refuse. A value that could not
be measured (NaN) or a recovery that never came (infinity) is printed as ``null``.
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from chaosbench.cli.failures import Failure

#: The version of every envelope kind; a change that removes or retypes a key raises it.
VERSION = "v1"


def schema_id(kind: str) -> str:
    """``chaosbench/<kind>/v1``: the ``schema`` value of an envelope of ``kind``."""
    return f"chaosbench/{kind}/{VERSION}"


def emit(kind: str, ok: bool, payload: Mapping[str, Any]) -> None:
    """Print the envelope of ``kind`` holding ``payload``."""
    print_json({"schema": schema_id(kind), "ok": ok, **payload})


def emit_failures(command: str, failures: Sequence[Failure]) -> None:
    """Print the ``error`` envelope of ``failures`` met by ``command``."""
    emit("error", False, {
        "command": command,
        "status": max(failure.status for failure in failures),
        "errors": [{"status": f.status, "file": f.file, "field": f.field, "message": f.message,
                    **({"line": f.line, "column": f.column} if f.line else {})} for f in failures],
    })


def print_json(data: Any) -> None:
    """Print ``data`` as indented strict JSON; a float that is not finite becomes ``null``."""
    print(json.dumps(_finite(data), indent=2, allow_nan=False, default=str))


def _finite(data: Any) -> Any:
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {key: _finite(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_finite(value) for value in data]
    return data
