"""Pydantic field types shared by scenario models: durations, rates, priorities, fractions, keyed entries."""
from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    GetCoreSchemaHandler,
    Tag,
    WithJsonSchema,
    create_model,
)
from pydantic_core import CoreSchema, PydanticCustomError

from chaosbench.orchestration.tasks.model import PRIORITY_LABELS
from chaosbench.sim.spec.units import DURATION_PATTERN, RATE_PATTERN, UnitError, parse_duration, parse_rate, shown

#: Longest simulated span a scenario may ask for (30 days).
MAX_DURATION = 30 * 86400.0
#: Highest rate a scenario may ask for.
MAX_RATE = 10_000_000.0


class Model(BaseModel):
    """Base of scenario models: unknown keys are errors, values are immutable, numbers are finite."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def suggest(name: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _unit(parse: Callable[[object], float], kind: str, low_inclusive: bool, high: float) -> BeforeValidator:
    """Read a ``kind`` (duration or rate) written with a unit or as a plain number, within its bounds."""

    def check(value: object) -> float:
        try:
            number = parse(value)
        except UnitError as exc:
            raise PydanticCustomError(kind, str(exc)) from None
        if number < 0 or (number == 0 and not low_inclusive):
            bound = "zero or more" if low_inclusive else "more than zero"
            raise PydanticCustomError(kind, f"expected {bound}, got {shown(value)}")
        if number > high:
            raise PydanticCustomError(kind, f"expected at most {high:g}, got {shown(value)}")
        return number

    return BeforeValidator(check)


def _written(what: str, pattern: str, low_inclusive: bool, high: float) -> WithJsonSchema:
    """The JSON Schema of a value written as ``what``: a number, or text with a unit matching ``pattern``."""
    low = {"minimum": 0} if low_inclusive else {"exclusiveMinimum": 0}
    return WithJsonSchema({"anyOf": [{"type": "number", **low, "maximum": high},
                                     {"type": "string", "pattern": pattern}], "description": what})


#: A duration of more than zero seconds (``'30s'``, ``'5m'``...).
Duration = Annotated[float, _unit(parse_duration, "duration", False, MAX_DURATION),
                     _written("a duration: '250ms', '30s', '5m', '2h', '1d' or a number of seconds", DURATION_PATTERN,
                              False, MAX_DURATION)]
#: A point in time or offset of zero seconds or more.
Instant = Annotated[float, _unit(parse_duration, "duration", True, MAX_DURATION),
                    _written("a time: '0s', '90s', '5m' or a number of seconds", DURATION_PATTERN, True,
                             MAX_DURATION)]
#: A rate of more than zero per second (``'5/s'``, ``'300/min'``...).
Rate = Annotated[float, _unit(parse_rate, "rate", False, MAX_RATE),
                 _written("a rate: '5/s', '300/min', '12/h' or a number per second", RATE_PATTERN, False, MAX_RATE)]
#: A number between 0 and 1 inclusive.
Fraction = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]


def _priority(value: object) -> str:
    if not isinstance(value, str) or value.lower() not in PRIORITY_LABELS:
        hint = suggest(str(value).lower(), PRIORITY_LABELS)
        raise PydanticCustomError(
            "priority", f"unknown priority {shown(value)}; expected one of critical, high, normal, low{hint}"
        )
    return value.lower()


#: One of critical, high, normal, low (any case).
PriorityName = Annotated[str, BeforeValidator(_priority)]


def sums_to_one(mix: dict[str, float]) -> dict[str, float]:
    """``mix`` if its weights sum to 1; a validation error otherwise."""
    total = sum(mix.values())
    if abs(total - 1.0) > 1e-6:
        raise PydanticCustomError("mix", f"expected weights summing to 1, got {total:g}")
    return mix


#: Weights per priority that sum to 1.
PriorityMix = Annotated[dict[PriorityName, Fraction], AfterValidator(sums_to_one)]


class KeyedEntry(Model):
    """An entry written as ``{name: parameters}`` (plus any fields a subclass shares): named for what it is.

    :func:`keyed_union` makes one subclass per name, whose last field is that name.
    """

    @property
    def name(self) -> str:
        return next(reversed(type(self).model_fields))

    @property
    def params(self) -> Any:
        return getattr(self, self.name)


@dataclass(frozen=True)
class KeyedUnion:
    """Annotation metadata: validate an entry as ``choices``, the union of one entry model per name.

    pydantic reads it through ``__get_pydantic_core_schema__``; the loader
    reads ``choices`` to tell which keys an entry's parameters may have.
    """

    choices: Any

    def __get_pydantic_core_schema__(self, _source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return handler(self.choices)


def keyed_union(what: str, catalogue: Mapping[str, type[BaseModel]], base: type[KeyedEntry] = KeyedEntry) -> KeyedUnion:
    """How pydantic validates one ``{name: parameters}`` entry whose name is in ``catalogue``.

    Used as ``Annotated[base, keyed_union(what, catalogue, base)]``: the entry
    is an instance of a subclass of ``base`` whose one extra field is the
    name, so ``base``'s own fields are shared by every entry (a ``base`` with
    ``at: Instant`` makes ``{at: 60s, worker_dropout: {...}}``). An unknown or
    misspelled name is reported with the closest known one; the parameters
    are validated by the name's model, so errors inside them carry the full
    path (``steady_state[0].latency.max``).
    """
    names = tuple(catalogue)
    shared = tuple(base.model_fields)

    def key_of(value: Any) -> str:
        if isinstance(value, KeyedEntry):
            return value.name
        keys = [key for key in value if key not in shared] if isinstance(value, dict) else []
        if len(keys) != 1:
            extra = f" and {', '.join(shared)}" if shared else ""
            raise PydanticCustomError("shape", f"expected one {what} written as {{name: parameters}}{extra}, "
                                               f"got {shown(value)}")
        name = keys[0]
        if name not in catalogue:
            raise PydanticCustomError("unknown", f"unknown {what} {name!r}{suggest(str(name), names)}")
        return name

    entries = []
    for name, model in catalogue.items():
        own_field: dict[str, Any] = {name: (model, ...)}
        entries.append(Annotated[create_model(f"{model.__name__}Entry", __base__=base, **own_field), Tag(name)])
    # Type forms built at run time: annotated as values so that mypy does not read them as aliases.
    union: object = Annotated[Union[tuple(entries)], Discriminator(key_of)]  # noqa: UP007 (a runtime tuple of types)
    # Checked first so that an unknown name is reported once, with its suggestion.
    return KeyedUnion(Annotated[union, BeforeValidator(lambda value: (key_of(value), value)[1])])
