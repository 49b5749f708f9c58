"""Durations and rates written with units, as scenario files spell them.

Durations: ``250ms``, ``30s``, ``5m``, ``2h``, ``1d`` or a plain number of
seconds. Rates: ``5000/s``, ``300/min``, ``12/h`` or a plain number per
second. Both must be finite; the callers decide the sane bounds.
"""
from __future__ import annotations

import math
import re

DURATION_UNITS = {"ms": 0.001, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
RATE_UNITS = {"s": 1.0, "sec": 1.0, "m": 1 / 60, "min": 1 / 60, "h": 1 / 3600, "d": 1 / 86400}

_DURATION = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([a-zA-Z]+)\s*$")
_RATE = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*/\s*([a-zA-Z]+)\s*$")
#: How a duration or a rate may be written as text, as a regular expression JSON Schema also reads (ECMA-262).
DURATION_PATTERN, RATE_PATTERN = _DURATION.pattern, _RATE.pattern


class UnitError(ValueError):
    """A duration or rate that could not be read; the message says what was expected."""


def parse_duration(value: object) -> float:
    """Seconds in ``value``: a number of seconds or a string such as ``'250ms'``."""
    return _parse(value, _DURATION, DURATION_UNITS, "a duration like '250ms', '30s', '5m', '2h' or a number of seconds")


def parse_rate(value: object) -> float:
    """Events per second in ``value``: a number per second or a string such as ``'300/min'``."""
    return _parse(value, _RATE, RATE_UNITS, "a rate like '5/s', '300/min', '12/h' or a number per second")


def _parse(value: object, pattern: re.Pattern[str], units: dict[str, float], expected: str) -> float:
    if isinstance(value, bool):
        raise UnitError(f"expected {expected}, got {shown(value)}")
    if isinstance(value, (int, float)):
        number = _float(value)
    elif isinstance(value, str):
        match = pattern.match(value)
        if match is None:
            try:
                number = float(value)
            except ValueError:
                raise UnitError(f"expected {expected}, got {shown(value)}") from None
        else:
            amount, unit = match.groups()
            scale = units.get(unit.lower())
            if scale is None:
                known = ", ".join(sorted(units))
                raise UnitError(f"unknown unit {unit!r} in {shown(value)}; expected one of {known}")
            number = _float(amount) * scale
    else:
        raise UnitError(f"expected {expected}, got {type(value).__name__}")
    if not math.isfinite(number):
        raise UnitError(f"expected a finite number, got {shown(value)}")
    return number


def _float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]  # an int, a float or a numeral, as the callers check
    except OverflowError:
        return math.inf  # an integer beyond any float: refused as not finite


def shown(value: object) -> str:
    """``value`` as a message shows it: its repr, cut in the middle when longer than 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}...{text[-8:]} ({len(text)} characters)"
