"""Event-stream workloads: Poisson streams of typed events that drive the trigger mesh.

A stream has a rate, a mix of event types (weights summing to 1), payload
generators per event type, a number of sources, and optionally a fraction of
redeliveries (an event sent again with the same ``(source, id)``). A field
without a generator gets one from the event schema: enums pick a member,
strings name one of a few components, numbers are uniform on [0, 100].

Payload generators, one per field:

* a plain value: always that value;
* ``{choice: [a, b, ...], weights: [...]}``: one of the values;
* ``{uniform: [low, high]}``, ``{normal: {mean: m, sd: s}}``: a float;
* ``{integer: [low, high]}``: an int, both bounds included;
* ``{cycle: {prefix: "db_", count: n}}``: ``db_0`` .. ``db_{n-1}`` at random.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate
from typing import Any

import simpy
from pydantic import Field, field_validator, model_validator
from simpy.events import NORMAL, ProcessGenerator

from chaosbench.orchestration.core.runtime import Runtime
from chaosbench.orchestration.mesh.event_schema import EventSchemas
from chaosbench.orchestration.mesh.events import Event
from chaosbench.orchestration.stack import Stack
from chaosbench.sim.spec.fields import Fraction, Instant, Model, Rate

_SCHEMAS = EventSchemas.load()
_GENERATORS = ("choice", "uniform", "normal", "integer", "cycle")
#: Draws one payload field's value.
FieldGenerator = Callable[[random.Random], Any]


class EventWorkload(Model):
    """A stream of events published on the stack's bus from ``start`` until ``stop``."""

    rate: Rate
    types: dict[str, Fraction] = Field(min_length=1)
    payloads: dict[str, dict[str, Any]] = {}
    sources: int = Field(default=4, ge=1, le=1_000_000)
    source_prefix: str = "client"
    duplicate_fraction: Fraction = 0.0
    start: Instant = 0.0
    stop: Instant | None = None

    @field_validator("types")
    @classmethod
    def _known_types_summing_to_one(cls, types: dict[str, float]) -> dict[str, float]:
        for name in types:
            if name not in _SCHEMAS:
                raise ValueError(f"unknown event type {name!r}; see orchestration/schemas/event_schemas.yaml")
        total = sum(types.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"expected weights summing to 1, got {total:g}")
        return dict(sorted(types.items()))  # a mapping has no order: the stream draws in the order of names

    @field_validator("payloads")
    @classmethod
    def _in_order_of_names(cls, payloads: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {name: dict(sorted(fields.items(), key=lambda item: str(item[0])))
                for name, fields in sorted(payloads.items())}

    @model_validator(mode="after")
    def _generators_are_valid(self) -> EventWorkload:
        for event_type, fields in self.payloads.items():
            if event_type not in self.types:
                raise ValueError(f"payloads.{event_type}: not one of the stream's types ({', '.join(self.types)})")
            for field, spec in fields.items():
                _generator(spec, f"payloads.{event_type}.{field}")
        return self


def start_event_stream(runtime: Runtime, stack: Stack, spec: EventWorkload, name: str,
                       until: float | None = None) -> None:
    """Start publishing ``spec`` on ``stack``, drawing from the random streams ``<name>.events.*``."""
    stop = spec.stop if spec.stop is not None else until
    if until is not None and stop is not None:
        stop = min(stop, until)
    runtime.env.process(_stream(runtime, stack, spec, f"{name}.events", stop))


def _stream(runtime: Runtime, stack: Stack, spec: EventWorkload, stream: str, stop: float | None) -> ProcessGenerator:
    """Wait for ``spec.start``, then hand the stream over to one rescheduled timeout's callback.

    As with the task arrivals (see :func:`sim.workloads.tasks._arrivals`), the
    events, their order and every random draw are those of a process looping
    over ``yield timeout(gap)``; a callback costs far less than resuming a
    generator, and the event it was called for is scheduled again.
    """
    env = runtime.env
    gap = runtime.rng(stream + ".arrivals").expovariate
    pick = runtime.rng(stream + ".mix").random
    # choice() over a range draws as randrange() does, with one call less a draw.
    source_of, source_ids = runtime.rng(stream + ".source").choice, range(spec.sources)
    redeliver = runtime.rng(stream + ".duplicates").random
    values = runtime.rng(stream + ".payload")
    bounds, kinds, total = [], [], 0.0
    for event_type, weight in spec.types.items():
        total += weight
        bounds.append(total)
        kinds.append((event_type, _payload_maker(event_type, spec)))
    last_kind = len(kinds) - 1
    publish, schedule = stack.bus.publish, env.schedule
    counters = [0] * spec.sources
    sources = [f"{spec.source_prefix}-{k}" for k in range(spec.sources)]
    rate, duplicates = spec.rate, spec.duplicate_fraction
    end = math.inf if stop is None else stop
    last: Event | None = None
    callbacks: list[Callable[[simpy.Event], None]] = []

    def arrive(timer: simpy.Event) -> None:
        nonlocal last
        now = env.now
        if now >= end:
            return
        if last is not None and duplicates and redeliver() < duplicates:
            publish(last)
        else:
            event_type, make = kinds[min(bisect_right(bounds, pick() * total), last_kind)]
            k = source_of(source_ids)
            counters[k] += 1
            last = Event(sources[k], counters[k], event_type, now, make(values))
            publish(last)
        timer.callbacks = callbacks
        schedule(timer, NORMAL, gap(rate))

    callbacks.append(arrive)
    if spec.start > 0:
        yield env.timeout(spec.start)
    env.timeout(gap(rate)).callbacks = callbacks


def _payload_maker(event_type: str, spec: EventWorkload) -> Callable[[random.Random], dict[str, Any]]:
    given = spec.payloads.get(event_type, {})
    fields = [(name, _generator(value, name)) for name, value in given.items()]
    for name, rule in _SCHEMAS.fields(event_type).items():
        if name not in given:
            fields.append((name, _from_schema(name, rule)))
    return lambda rng: {name: make(rng) for name, make in fields}


def _from_schema(name: str, rule: dict[str, Any]) -> FieldGenerator:
    if "enum" in rule:
        members = list(rule["enum"])
        return lambda rng: rng.choice(members)
    kind = rule["type"]
    if kind == "string":
        names = [f"{name}_{k}" for k in range(8)]
        return lambda rng: rng.choice(names)
    if kind == "number":
        return lambda rng: rng.uniform(0.0, 100.0)
    if kind == "integer":
        return lambda rng: rng.randint(0, 100)
    if kind == "boolean":
        return lambda rng: rng.random() < 0.5
    empty: Any = {} if kind == "object" else []
    return lambda rng: type(empty)()


def _generator(spec: Any, path: str) -> FieldGenerator:
    if not isinstance(spec, dict):
        if isinstance(spec, list):
            raise ValueError(f"{path}: a list is not a generator; use {{choice: [...]}}")
        return lambda rng: spec
    if len(spec) not in (1, 2) or not set(spec) & set(_GENERATORS):
        raise ValueError(f"{path}: expected one of {', '.join(_GENERATORS)} (or a plain value), got {sorted(spec)}")
    if "choice" in spec:
        options, weights = spec["choice"], spec.get("weights")
        if set(spec) - {"choice", "weights"} or not isinstance(options, list) or not options:
            raise ValueError(f"{path}: expected {{choice: [values], weights: [numbers]}}")
        if weights is not None:
            if (
                not isinstance(weights, list)
                or len(weights) != len(options)
                or not all(_number(w) and w >= 0 for w in weights)
            ):
                raise ValueError(f"{path}.weights: expected {len(options)} non-negative numbers")
            cumulative = list(accumulate(weights))  # what choices() would sum up at every draw
            return lambda rng: rng.choices(options, cum_weights=cumulative)[0]
        return lambda rng: rng.choice(options)
    if len(spec) != 1:
        raise ValueError(f"{path}: expected exactly one generator, got {sorted(spec)}")
    ((kind, args),) = spec.items()
    if kind in ("uniform", "integer"):
        if not (isinstance(args, list) and len(args) == 2 and all(_number(a) for a in args) and args[0] <= args[1]):
            raise ValueError(f"{path}.{kind}: expected [low, high] with low <= high")
        low, high = args
        if kind == "uniform":
            return lambda rng: rng.uniform(low, high)
        if not all(isinstance(a, int) for a in args):
            raise ValueError(f"{path}.integer: expected integer bounds")
        return lambda rng: rng.randint(low, high)
    if kind == "normal":
        if not (
            isinstance(args, dict)
            and set(args) == {"mean", "sd"}
            and _number(args["mean"])
            and _number(args["sd"])
            and args["sd"] >= 0
        ):
            raise ValueError(f"{path}.normal: expected {{mean: number, sd: number >= 0}}")
        mean, sd = args["mean"], args["sd"]
        return lambda rng: rng.gauss(mean, sd)
    if not (
        isinstance(args, dict)
        and isinstance(args.get("prefix"), str)
        and isinstance(args.get("count"), int)
        and args["count"] >= 1
        and set(args) == {"prefix", "count"}
    ):
        raise ValueError(f"{path}.cycle: expected {{prefix: text, count: integer >= 1}}")
    prefix, count = args["prefix"], args["count"]
    return lambda rng: f"{prefix}{rng.randrange(count)}"


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
