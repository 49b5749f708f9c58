"""The optional ``explore:`` section of a scenario: the space ``chaosbench explore`` searches.

A scenario may narrow the search to some fault kinds, cap the number of
faults in a schedule, bound when faults start, override the bounds of any
fault parameter, and mark stack knobs explorable::

    explore:
      faults: [worker_dropout, scheduler_pause]
      max_faults: 3
      starts: {min: 10s, max: 90s}
      ends_by: 100s
      params:
        worker_dropout: {fraction: {min: 0.5, max: 1.0}}
        kernel_crash: {kernel: [hunter, governance]}
      knobs:
        stack.htm.workers: [2, 3, 4]
        workload.0.tasks.rate: {min: 1/s, max: 3/s, step: 0.5}

A bound is a span ``{min, max, step}`` (numbers, durations or rates; the step
defaults to a round fraction of the span) or a list of values to choose from;
a parameter bound of ``null`` leaves a default bound out (the fault's own
default then applies), as ``worker_dropout: {fraction: null, count: [1, 2]}``.
Searches shrink toward a span's ``min`` and a list's first value, so both are
written least intense first. By default faults end a settle time before the
run does, so that the liveness invariant judges the stack's recovery rather
than the end of the clock. Whatever is left out comes from
:data:`DEFAULT_BOUNDS`.
"""
from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema, field_validator, model_validator
from pydantic_core import PydanticCustomError

from chaosbench.orchestration.governance.intents import TIERS
from chaosbench.orchestration.mesh.kernels import KERNEL_ACTIONS
from chaosbench.sim.faults import FAULTS
from chaosbench.sim.spec.fields import Model, suggest
from chaosbench.sim.spec.units import UnitError, parse_duration, parse_rate, shown

#: Most steps a span may have from its ``min`` to its ``max``.
MAX_SPAN_STEPS = 1e9
#: Parameters that are a fault's window: the fault must end before the run does.
WINDOW_PARAMS = ("for", "over", "restart_after")


def _number(value: object) -> float:
    for parse in (parse_duration, parse_rate):
        try:
            return parse(value)
        except UnitError:
            continue
    raise PydanticCustomError("number", f"expected a number, a duration or a rate, got {shown(value)}")


Number = Annotated[float, BeforeValidator(_number), WithJsonSchema({
    "anyOf": [{"type": "number"}, {"type": "string"}],
    "description": "a number, a duration ('30s') or a rate ('5/s')"})]


class Span(Model):
    """Values from ``min`` to ``max`` in steps of ``step``."""

    min: Number
    max: Number
    step: Number | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.min > self.max:
            raise ValueError(f"expected min ({self.min:g}) at most max ({self.max:g})")
        steps = (self.max - self.min) / self.resolution
        if not steps <= MAX_SPAN_STEPS:  # also when the width is beyond any float
            raise ValueError(f"expected at most {MAX_SPAN_STEPS:.0e} steps from min to max, got {steps:.3g}")
        return self

    @property
    def resolution(self) -> float:
        """The step, or a round one: 1 for spans of 10 or more, 0.1 from 1, else 0.01."""
        if self.step is not None:
            return self.step
        width = self.max - self.min
        return 1.0 if width >= 10 else 0.1 if width >= 1 else 0.01

    def steps(self, high: float | None = None) -> int:
        """How many steps fit above ``min`` up to ``max`` (or ``high`` when lower)."""
        top = self.max if high is None else min(self.max, high)
        return max(int(math.floor((top - self.min) / self.resolution + 1e-9)), 0)

    def value(self, step: int) -> float | int:
        """The value ``step`` steps above ``min``; whole numbers come out as ints."""
        value = round(self.min + step * self.resolution, 9)
        return int(value) if value.is_integer() else value


Choices = Annotated[list[Any], Field(min_length=1)]
#: A span or a list of values.
Bound = Span | Choices


def _span(low: float, high: float, step: float | None = None) -> Span:
    return Span(min=low, max=high, step=step)


_SECONDS = _span(1, 120)
_KERNELS = list(KERNEL_ACTIONS)
_PROBABILITY = {"probability": _span(0.01, 1.0), "for": _SECONDS}

#: The default search bounds of each fault's parameters (the rest keep the fault's defaults).
DEFAULT_BOUNDS: dict[str, dict[str, Bound]] = {
    "queue_flood": {"count": _span(10, 5000, 10), "over": _span(1, 60),
                    "priority_mix": [{"normal": 1.0}, {"high": 1.0}, {"critical": 1.0}]},
    "trigger_storm": {"rate": _span(10, 5000, 10), "for": _SECONDS},
    "worker_dropout": {"fraction": _span(0.1, 1.0, 0.05), "restart_after": _SECONDS},
    "scheduler_pause": {"for": _SECONDS},
    "policy_cascade": {"depth": _span(1, 50)},
    "kernel_crash": {"kernel": _KERNELS, "for": _SECONDS},
    "latency_spike": {"kernel": _KERNELS, "factor": _span(2, 100), "for": _SECONDS},
    "resource_siege": {"cpu": _span(0, 100, 5), "memory": _span(0, 100, 5), "for": _SECONDS},
    "acl_flood": {"rate": _span(1, 500), "intent": sorted(TIERS, key=lambda name: (-TIERS[name], name)),
                  "for": _SECONDS},
    "message_loss": dict(_PROBABILITY),
    "message_duplication": dict(_PROBABILITY),
    "message_reorder": dict(_PROBABILITY),
    "approval_outage": {"for": _SECONDS},
    "heartbeat_loss": {"kernel": _KERNELS, "for": _SECONDS},
}


def _parameter_names(kind: str) -> list[str]:
    return [field.alias or name for name, field in FAULTS[kind].Params.model_fields.items()]


def _known_kind(kind: str) -> str:
    if kind not in FAULTS:
        raise PydanticCustomError("unknown", f"unknown fault {kind!r}{suggest(kind, FAULTS)}")
    return kind


class ExploreSpec(Model):
    """What ``chaosbench explore`` may vary in a scenario."""

    faults: list[str] | None = Field(default=None, description="fault kinds to draw from (default: every kind)")
    max_faults: int = Field(default=3, ge=1, le=20, description="most faults in one schedule")
    starts: Span | None = Field(default=None, description="when faults may start (default: from the warm-up on)")
    ends_by: Number | None = Field(default=None, gt=0, description="when every fault must have ended (default: the "
                                                                   "settle time before the end of the run)")
    params: dict[str, dict[str, Bound | None]] = Field(
        default={}, description="bounds per fault kind and parameter; null leaves a default bound out")
    knobs: dict[str, Bound] = Field(default={}, description="explorable values at dotted paths of the scenario")

    @field_validator("faults")
    @classmethod
    def _known_faults(cls, kinds: list[str] | None) -> list[str] | None:
        if kinds is not None:
            for kind in kinds:
                _known_kind(kind)
            if not kinds:
                raise ValueError("expected at least one fault kind")
        return kinds

    @field_validator("params")
    @classmethod
    def _known_params(cls, params: dict[str, dict[str, Bound | None]]) -> dict[str, dict[str, Bound | None]]:
        for kind, bounds in params.items():
            _known_kind(kind)
            names = _parameter_names(kind)
            for name in bounds:
                if name not in names:
                    raise PydanticCustomError("unknown", f"{kind} has no parameter {name!r}{suggest(name, names)}; "
                                                         f"expected one of {', '.join(names)}")
        return params

    def kinds(self) -> list[str]:
        """The fault kinds to draw from, in catalogue order."""
        chosen = set(self.faults or FAULTS)
        return [kind for kind in FAULTS if kind in chosen]

    def bounds(self, kind: str) -> dict[str, Bound]:
        """The search bounds of ``kind``'s parameters: the defaults with this section's overrides."""
        merged = {**DEFAULT_BOUNDS.get(kind, {}), **self.params.get(kind, {})}
        return {name: bound for name, bound in merged.items() if bound is not None}
