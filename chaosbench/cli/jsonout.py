"""What ``--json`` prints: strict JSON (RFC 8259) on standard output, whatever the numbers are.

JSON has no NaN and no infinity; Python's ``json`` would print them as the bare
words ``NaN`` and ``Infinity``, which JSON parsers refuse. A value that could not
be measured (NaN) or a recovery that never came (infinity) is printed as ``null``.
"""
from __future__ import annotations

import json
import math
from typing import Any


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
