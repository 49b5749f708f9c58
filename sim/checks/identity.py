"""What names a probe and what its values are counted in: ids, units and bound texts.

A probe's id is its kind followed by the parameters that pick what it
measures, in brackets: ``sla_compliance[critical]``, ``latency[wait p99
high]``, ``failed_tasks[high]``; a probe without such parameters is named by
its kind alone (``recovery_time``). The bound (``min`` or ``max``) is not
part of the id, so two probes of one scenario that differ only in their
bound collide, and the scenario is refused.

Light on purpose (no pandas, no stack): the journal's reader uses it to name
the probes of journals written before probes had ids.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

#: What each probe's value is counted in (and its bound with it).
PROBE_UNITS: dict[str, str] = {
    "sla_compliance": "ratio",
    "latency": "s",
    "max_queue_depth": "tasks",
    "throughput": "tasks/s",
    "recovery_time": "s",
    "shed_fraction": "ratio",
    "failed_tasks": "tasks",
    "failed_workflows": "workflow runs",
    "dead_letter_count": "dead letters",
    "unauthorized_allowed": "requests",
    "untrusted_allowed": "requests",
    "cascade_depth_max": "rules",
    "duplicate_executions": "workflow runs",
    "boot_time": "s",
    "time_to_heal": "s",
    "lost_events": "events",
    "dropped_events": "events",
    "unanswered_events": "events",
    "workflow_latency": "s",
    "out_of_order": "deliveries",
    "unaudited_changes": "changes",
    "unnarrated_dispatches": "tasks",
}

#: The bound fields: ``min`` holds a value at or above it, ``max`` at or below it.
BOUND_OPERATORS: dict[str, str] = {"min": ">=", "max": "<="}

#: How a probe's column in a table of runs (a sweep's results) begins; the probe's id follows.
PROBE_PREFIX = "probe_"

#: Parameters named first in an id, in this order; any other parameter follows, in the order given.
_LEADING = ("measure", "quantile", "priority")


def probe_id(kind: str, params: Mapping[str, Any]) -> str:
    """``kind[value value ...]`` from the parameters that pick what the probe measures.

    Parameters set to None (all priorities) are left out; a quantile is
    written ``p99`` (``p99.9``, ``p50``).
    """
    ordered = [name for name in _LEADING if name in params] + [name for name in params if name not in _LEADING]
    words = [_word(name, params[name]) for name in ordered if params[name] is not None]
    return f"{kind}[{' '.join(words)}]" if words else kind


def probe_column(probe_id: str) -> str:
    """``probe_<id>``: the column of the probe with that id in a table of runs."""
    return f"{PROBE_PREFIX}{probe_id}"


def _word(name: str, value: Any) -> str:
    if name == "quantile":
        return f"p{float(value) * 100:g}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def bound_text(op: str, value: float, unit: str) -> str:
    """``>= 0.99``, ``<= 30s``, ``>= 3 tasks/s``, ``<= 0 workflow runs``: a bound as people read it."""
    return f"{op} {quantity(value, unit)}"


def quantity(value: float, unit: str, digits: int = 6) -> str:
    """A value with its unit (``digits`` significant digits): seconds glued to the number, a ratio bare, any
    other unit after a space; ``n/a`` when it could not be measured."""
    if math.isnan(value):
        return "n/a"
    number = f"{value:.{digits}g}"
    if unit == "s":
        return f"{number}s"
    return number if unit in ("ratio", "") else f"{number} {unit}"


def margin(op: str, value: float, bound: float) -> float:
    """How far ``value`` is inside its bound, in the value's unit: positive when it holds with room, 0 at the
    bound, negative when it fails; NaN when the value could not be measured."""
    if math.isnan(value):
        return math.nan
    return value - bound if op == ">=" else bound - value
