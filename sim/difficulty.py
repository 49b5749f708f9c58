"""Difficulty levels: a scenario's ladder applied to its raw document.

Level ``L`` multiplies the value at each ``scale`` path by ``factor ** L`` and
adds ``L * step`` at each ``step`` path. Whole numbers stay whole (rounded). Values with units (``'5000/s'``,
``'30s'``) are read first and written back as plain numbers (per second,
seconds), which the models read in the same units. Paths are dotted, with
list indices as numbers: ``faults.0.trigger_storm.rate``.
"""
from __future__ import annotations

import copy
from typing import Any

from .units import UnitError, parse_duration, parse_rate


class LadderError(ValueError):
    """A difficulty rule that cannot be applied; ``field`` is where it is written."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def apply_level(document: dict[str, Any], level: int) -> dict[str, Any]:
    """A copy of ``document`` at difficulty ``level`` (level 0 returns an equal copy).

    Every rule path is checked at any level, so a rule on a missing path is
    reported even before it would change anything.
    """
    ladder = document.get("difficulty") or {}
    if not isinstance(ladder, dict):
        return copy.deepcopy(document)
    max_level = ladder.get("max_level", 10)
    if isinstance(max_level, int) and not 0 <= level <= max_level:
        raise LadderError("difficulty.max_level", f"level {level} is outside 0..{max_level}")
    result = copy.deepcopy(document)
    for rule in ("scale", "step"):
        rules = ladder.get(rule) or {}
        if not isinstance(rules, dict):
            continue
        for path, amount in rules.items():
            field = f"difficulty.{rule}.{path}"
            if isinstance(amount, bool) or not isinstance(amount, (int, float)):
                raise LadderError(field, f"expected a number, got {amount!r}")
            parent, key = _resolve(result, str(path), field)
            original = parent[key]
            value = _number(original, field)
            value = value * amount**level if rule == "scale" else value + amount * level
            # Counts stay counts: a worker pool of 8 scaled by 1.5 is 12 workers, not 12.0.
            parent[key] = round(value) if isinstance(original, int) else value
    return result


def assign(document: dict[str, Any], path: str, value: Any, field: str) -> None:
    """Set the value at dotted ``path`` of ``document`` in place, adding missing mapping keys on the way.

    A missing key is added only below a mapping, so ``stack.htm.workers`` can
    be set in a scenario that leaves ``stack`` out; a list index must exist.
    """
    parent, key = _resolve(document, path, field, create=True)
    parent[key] = value


def _resolve(document: Any, path: str, field: str, create: bool = False) -> tuple[Any, Any]:
    node: Any = document
    parts = path.split(".")
    for depth, part in enumerate(parts):
        key: Any = part
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise LadderError(field, f"no list item {part!r} at {'.'.join(parts[:depth]) or 'the top'}")
            key = int(part)
        elif create and isinstance(node, dict) and part:
            if part not in node and depth < len(parts) - 1:
                node[part] = {}
        elif not isinstance(node, dict) or part not in node:
            raise LadderError(field, f"the path {path!r} does not exist in the scenario (no {part!r})")
        if depth == len(parts) - 1:
            return node, key
        node = node[key]
    raise LadderError(field, "empty path")


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool):
        raise LadderError(field, f"expected a number at the path, found {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    for parse in (parse_rate, parse_duration):
        try:
            return parse(value)
        except UnitError:
            continue
    raise LadderError(field, f"expected a number, duration or rate at the path, found {value!r}")
