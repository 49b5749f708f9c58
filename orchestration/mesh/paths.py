"""Payload paths: the only thing templates and filters may read from an event.

A path is ``payload`` followed by dotted keys, or one of the event's own
fields (``event.type``, ``event.source``, ``event.id``, ``event.time``).
Keys are plain identifiers that do not start with an underscore, so no path
can name a dunder, call anything or reach an attribute of a Python object:
reading a path only ever indexes dictionaries.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from chaosbench.orchestration.core.errors import DefinitionError
from chaosbench.orchestration.mesh.events import Event

_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
_EVENT_FIELDS = ("type", "source", "id", "time", "depth")
MISSING = object()

Getter = Callable[[Event], Any]


def compile_path(text: str) -> Getter:
    """A function reading the value at ``text`` from an event (``MISSING`` if absent)."""
    if not isinstance(text, str):
        raise DefinitionError(f"expected a payload path such as 'payload.component_id', got {text!r}")
    parts = text.strip().split(".")
    head, keys = parts[0], parts[1:]
    for key in keys:
        if not _KEY.match(key):
            raise DefinitionError(
                f"{text!r} is not a payload path: {key!r} is not a plain key "
                "(letters, digits and '_', not starting with '_'; no calls or attributes)"
            )
    if head == "event" and len(keys) == 1 and keys[0] in _EVENT_FIELDS:
        field = keys[0]
        return lambda event: getattr(event, field)
    if head != "payload":
        raise DefinitionError(
            f"{text!r} is not a payload path: it must start with 'payload.' "
            f"(or be one of {', '.join('event.' + f for f in _EVENT_FIELDS)})"
        )
    if len(keys) == 1:
        only = keys[0]
        return lambda event: event.payload.get(only, MISSING)
    return lambda event: _walk(event.payload, keys)


def _walk(value: Any, keys: list[str]) -> Any:
    for key in keys:
        if not isinstance(value, dict):
            return MISSING
        value = value.get(key, MISSING)
        if value is MISSING:
            return MISSING
    return value
