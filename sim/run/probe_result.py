"""One probe of a run as the journal keeps it, and the reading of probes written by journals of schema 1.

Since schema 2 a probe is ``{id, kind, params, value, unit, bound: {op,
value, unit}, margin, passed}``: its id carries its parameters
(``sla_compliance[critical]``) and is unique in its scenario. A schema 1
journal wrote ``{name, value, bound: ">= 0.99", passed}``; :func:`upgrade_probes`
rebuilds the new form from it, taking each probe's parameters from the
effective scenario the journal also kept.
"""
from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from chaosbench.sim.checks.identity import BOUND_OPERATORS, PROBE_UNITS, bound_text, margin, probe_id, quantity


class _Record(BaseModel):
    # Keys a newer minor version adds are ignored, so an older reader still reads its journals.
    model_config = ConfigDict(frozen=True, extra="ignore")


def _nan_for_null(value: Any) -> Any:
    return math.nan if value is None else value


#: A float that JSON holds as null when it is not finite, read back as NaN.
JsonFloat = Annotated[float, BeforeValidator(_nan_for_null)]


class Bound(_Record):
    """What a probe's value is held to: ``value >= bound`` (``op`` ``>=``) or ``value <= bound`` (``<=``)."""

    op: str
    value: float
    unit: str = ""

    def __str__(self) -> str:
        return bound_text(self.op, self.value, self.unit)


class ProbeResult(_Record):
    """One steady-state probe of a run: what it measured, against which bound, and whether that held."""

    id: str
    kind: str
    params: dict[str, Any] = Field(default_factory=dict)
    value: JsonFloat  # NaN when it could not be measured
    unit: str = ""
    bound: Bound
    margin: JsonFloat  # in the value's unit: positive inside the bound, negative past it
    passed: bool

    @property
    def shown(self) -> str:
        """The value with its unit, for people (``0.9871``, ``12.5s``, ``n/a``)."""
        return quantity(self.value, self.unit, digits=4)

    def describe(self) -> str:
        """``latency[wait p99] = 41.2s (needs <= 30s)``: the probe, its value and its bound, in one phrase."""
        return f"{self.id} = {self.shown} (needs {self.bound})"


_OLD_BOUND = re.compile(r"^\s*(>=|<=)\s*([-+0-9.eE]+|inf)")


def upgrade_probes(probes: list[Any], parameters: dict[str, Any]) -> list[dict[str, Any]]:
    """The probes of a schema 1 journal in the schema 2 form.

    The ``steady_state`` of the journal's ``parameters`` lists the probes in
    the order they were measured, so each probe gets its kind and parameters
    from there; where it does not match, the old name is both id and kind.
    An id that would repeat gets ``#2``, ``#3``... so that ids stay unique.
    """
    entries = parameters.get("steady_state") if isinstance(parameters, dict) else None
    entries = entries if isinstance(entries, list) and len(entries) == len(probes) else [None] * len(probes)
    upgraded, seen = [], set()
    for old, entry in zip(probes, entries, strict=True):
        if not isinstance(old, dict) or "name" not in old:
            upgraded.append(old)
            continue
        kind, params = str(old["name"]), _entry_params(entry, str(old["name"]))
        identity = probe_id(kind, params) if params is not None else kind
        number = 2
        unique = identity
        while unique in seen:
            unique, number = f"{identity}#{number}", number + 1
        seen.add(unique)
        unit = PROBE_UNITS.get(kind, "")
        op, limit = _old_bound(str(old.get("bound", "")))
        value = _nan_for_null(old.get("value"))
        upgraded.append({"id": unique, "kind": kind, "params": params or {}, "value": value, "unit": unit,
                         "bound": {"op": op, "value": limit, "unit": unit},
                         "margin": margin(op, float(value), limit), "passed": old.get("passed", False)})
    return upgraded


def _entry_params(entry: Any, kind: str) -> dict[str, Any] | None:
    """The parameters that pick what the probe of a ``steady_state`` entry measures; None when it is not one."""
    if not isinstance(entry, dict) or not isinstance(entry.get(kind), dict):
        return None
    return {name: value for name, value in entry[kind].items()
            if name not in BOUND_OPERATORS and value is not None}


def _old_bound(text: str) -> tuple[str, float]:
    found = _OLD_BOUND.match(text)
    if found is None:
        return "<=", math.nan
    return found.group(1), float(found.group(2))
