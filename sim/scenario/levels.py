"""Difficulty levels: a scenario's ladder applied to its raw document.

Level ``L`` multiplies the value at each ``scale`` path by ``factor ** L`` and
adds ``L * step`` at each ``step`` path. Whole numbers stay whole (rounded). Values with units (``'5000/s'``,
``'30s'``) are read first and written back as plain numbers (per second,
seconds), which the models read in the same units. Paths are dotted, with
list indices as numbers: ``faults.0.trigger_storm.rate``.
"""
from __future__ import annotations

import copy
import math
from typing import Any

from chaosbench.sim.spec.docpath import PathError, locate
from chaosbench.sim.spec.units import UnitError, parse_duration, parse_rate, shown

#: Highest ``max_level`` a ladder may have.
MAX_LEVEL = 1000


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
    if not (isinstance(max_level, int) and not isinstance(max_level, bool) and 0 <= max_level <= MAX_LEVEL):
        max_level = MAX_LEVEL  # the model reports a bad max_level; no level beyond the limit is computed meanwhile
    if not 0 <= level <= max_level:
        raise LadderError("difficulty.max_level", f"level {level} is outside 0..{max_level}")
    result = copy.deepcopy(document)
    for rule in ("scale", "step"):
        rules = ladder.get(rule) or {}
        if not isinstance(rules, dict):
            continue
        for path, amount in rules.items():
            field = f"difficulty.{rule}.{path}"
            if isinstance(amount, bool) or not isinstance(amount, (int, float)):
                raise LadderError(field, f"expected a number, got {shown(amount)}")
            try:
                parent, key = locate(result, str(path))
            except PathError as exc:
                raise LadderError(field, str(exc)) from None
            original = parent[key]
            value = _number(original, field)
            try:
                value = value * float(amount) ** level if rule == "scale" else value + float(amount) * level
            except OverflowError:
                value = math.inf
            if not math.isfinite(value):
                raise LadderError(field, f"at level {level} the value {shown(original)} overflows "
                                         f"({'x' if rule == 'scale' else '+'} {shown(amount)} per level)")
            # Counts stay counts: a worker pool of 8 scaled by 1.5 is 12 workers, not 12.0.
            parent[key] = round(value) if isinstance(original, int) else value
    return result


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool):
        raise LadderError(field, f"expected a number at the path, found {shown(value)}")
    if isinstance(value, (int, float)):
        return float(value)
    for parse in (parse_rate, parse_duration):
        try:
            return parse(value)
        except UnitError:
            continue
    raise LadderError(field, f"expected a number, duration or rate at the path, found {shown(value)}")
