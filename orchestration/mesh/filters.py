"""Trigger filters: a small grammar compiled into plain predicates.

A filter is one of:

* a comparison string ``PATH OP LITERAL`` -- OP one of ``== != < <= > >=``,
  LITERAL a number, a quoted string, ``true``, ``false`` or ``null``;
* a mapping ``{field: PATH, <op>: value, ...}`` with ops ``equals`` (exact),
  ``ne``, ``prefix``, ``suffix``, ``in``, ``gt``, ``ge``, ``lt``, ``le``
  (every op given must hold);
* ``{all: [filters]}``, ``{any: [filters]}``, ``{not: filter}``;
* ``{delta: {field: PATH, key: PATH, <op>: number}}`` -- the change of the
  field since the previous event with the same key value (ops ``gt ge lt le``
  on the signed change, ``abs_gt abs_ge`` on its size); the first event of a
  key has no previous value and does not pass;
* a list of filters, all of which must hold.

Paths are payload paths (:mod:`orchestration.paths`); nothing is evaluated
as Python. Numeric ops never hold for a value that is not a number.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

from chaosbench.orchestration.core.errors import DefinitionError
from chaosbench.orchestration.mesh.events import Event
from chaosbench.orchestration.mesh.paths import MISSING, compile_path

Predicate = Callable[[Event], bool]

_NUMERIC = {"gt": operator.gt, "ge": operator.ge, "lt": operator.lt, "le": operator.le}
_SYMBOLS = {"==": "equals", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
_COMPARISON = re.compile(
    r"""^\s*(?P<path>[^\s=!<>]+)\s*(?P<op>==|!=|<=|>=|<|>)\s*(?P<literal>"[^"\\]*"|'[^'\\]*'|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|true|false|null)\s*$"""
)
_FIELD_OPS = ("equals", "ne", "prefix", "suffix", "in", "gt", "ge", "lt", "le")
_DELTA_OPS = {"gt": operator.gt, "ge": operator.ge, "lt": operator.lt, "le": operator.le}


def compile_filter(spec: Any, path: str = "") -> Predicate:
    """Compile one filter definition (see the module docstring) into a predicate."""
    if isinstance(spec, list):
        return _all([compile_filter(item, f"{path}[{i}]") for i, item in enumerate(spec)])
    if isinstance(spec, str):
        return _comparison(spec, path)
    if not isinstance(spec, dict):
        raise DefinitionError(f"expected a filter (a comparison string or a mapping), got {spec!r}", path=path)
    if "all" in spec or "any" in spec or "not" in spec:
        (kind,) = _only_keys(spec, ("all", "any", "not"), path)
        inner = spec[kind]
        if kind == "not":
            predicate = compile_filter(inner, f"{_dot(path)}not")
            return lambda event: not predicate(event)
        if not isinstance(inner, list) or not inner:
            raise DefinitionError(f"'{kind}' expects a non-empty list of filters", path=f"{_dot(path)}{kind}")
        parts = [compile_filter(item, f"{_dot(path)}{kind}[{i}]") for i, item in enumerate(inner)]
        return _all(parts) if kind == "all" else _any(parts)
    if "delta" in spec:
        _only_keys(spec, ("delta",), path)
        return _delta(spec["delta"], f"{_dot(path)}delta")
    return _field(spec, path)


def _only_keys(spec: dict[str, Any], allowed: tuple[str, ...], path: str) -> list[str]:
    keys = list(spec)
    if len(keys) != 1 or keys[0] not in allowed:
        raise DefinitionError(f"expected exactly one of {', '.join(allowed)}, got keys {keys}", path=path)
    return keys


def _all(parts: list[Predicate]) -> Predicate:
    if len(parts) == 1:
        return parts[0]
    return lambda event: all(part(event) for part in parts)


def _any(parts: list[Predicate]) -> Predicate:
    return lambda event: any(part(event) for part in parts)


def _comparison(text: str, path: str) -> Predicate:
    match = _COMPARISON.match(text)
    if match is None:
        raise DefinitionError(
            f"filter {text!r} is not a comparison 'payload.<key> OP value' "
            "(OP one of == != < <= > >=, value a number, a quoted string, true, false or null)",
            path=path,
        )
    literal = match["literal"]
    if literal[0] in "\"'":
        value: Any = literal[1:-1]
    elif literal in ("true", "false", "null"):
        value = {"true": True, "false": False, "null": None}[literal]
    else:
        value = float(literal) if any(c in literal for c in ".eE") else int(literal)
    try:
        return _field({"field": match["path"], _SYMBOLS[match["op"]]: value}, path)
    except DefinitionError as exc:
        raise DefinitionError(f"filter {text!r}: {exc.message}", path=path) from None


def _field(spec: dict[str, Any], path: str) -> Predicate:
    if "field" not in spec:
        raise DefinitionError("expected 'field' with an op, or one of all, any, not, delta", path=path)
    try:
        get = compile_path(spec["field"])
    except DefinitionError as exc:
        raise DefinitionError(exc.message, path=f"{_dot(path)}field") from None
    checks = []
    for op, value in spec.items():
        if op == "field":
            continue
        if op not in _FIELD_OPS:
            raise DefinitionError(
                f"unknown filter op {op!r}; expected one of {', '.join(_FIELD_OPS)}", path=f"{_dot(path)}{op}"
            )
        checks.append(_check(op, value, f"{_dot(path)}{op}"))
    if not checks:
        raise DefinitionError(f"no op given for field {spec['field']!r}", path=path)
    if len(checks) == 1:  # nearly every filter: no loop on the router's path
        (only,) = checks
        return lambda event: (value := get(event)) is not MISSING and only(value)

    def predicate(event: Event) -> bool:
        value = get(event)
        if value is MISSING:
            return False
        for check in checks:
            if not check(value):
                return False
        return True

    return predicate


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check(op: str, expected: Any, path: str) -> Callable[[Any], bool]:
    if op in ("equals", "ne"):
        # True == 1 in Python; a filter on a flag must not match a count.
        flag = type(expected) is bool
        if op == "equals":
            return lambda value: value == expected and (type(value) is bool) == flag
        return lambda value: not (value == expected and (type(value) is bool) == flag)
    if op in ("prefix", "suffix"):
        if not isinstance(expected, str):
            raise DefinitionError(f"'{op}' expects a string, got {expected!r}", path=path)
        if op == "prefix":
            return lambda value: isinstance(value, str) and value.startswith(expected)
        return lambda value: isinstance(value, str) and value.endswith(expected)
    if op == "in":
        if not isinstance(expected, list):
            raise DefinitionError(f"'in' expects a list, got {expected!r}", path=path)
        members = list(expected)
        return lambda value: value in members
    if not _is_number(expected):
        raise DefinitionError(f"'{op}' expects a number, got {expected!r}", path=path)
    compare = _NUMERIC[op]
    return lambda value: _is_number(value) and compare(value, expected)


def _delta(spec: Any, path: str) -> Predicate:
    if not isinstance(spec, dict) or "field" not in spec:
        raise DefinitionError("'delta' expects {field: PATH, key: PATH, <op>: number}", path=path)
    try:
        get = compile_path(spec["field"])
        key = compile_path(spec["key"]) if "key" in spec else None
    except DefinitionError as exc:
        raise DefinitionError(exc.message, path=path) from None
    tests: list[Callable[[float], bool]] = []
    for op, bound in spec.items():
        if op in ("field", "key"):
            continue
        if not _is_number(bound):
            raise DefinitionError(f"'{op}' expects a number, got {bound!r}", path=f"{_dot(path)}{op}")
        if op in _DELTA_OPS:
            tests.append(_change_test(_DELTA_OPS[op], bound))
        elif op in ("abs_gt", "abs_ge"):
            tests.append(_size_test(operator.gt if op == "abs_gt" else operator.ge, bound))
        else:
            raise DefinitionError(
                f"unknown delta op {op!r}; expected one of gt, ge, lt, le, abs_gt, abs_ge", path=f"{_dot(path)}{op}"
            )
    if not tests:
        raise DefinitionError("'delta' needs at least one op", path=path)
    previous: dict[Any, float] = {}

    def predicate(event: Event) -> bool:
        value = get(event)
        if not _is_number(value):
            return False
        k = key(event) if key is not None else None
        if isinstance(k, (dict, list)):
            return False
        before = previous.get(k, MISSING)
        previous[k] = value
        if before is MISSING:
            return False
        change = value - before
        return all(test(change) for test in tests)

    return predicate


def _change_test(compare: Callable[[Any, Any], bool], bound: float) -> Callable[[float], bool]:
    return lambda change: compare(change, bound)


def _size_test(compare: Callable[[Any, Any], bool], bound: float) -> Callable[[float], bool]:
    return lambda change: compare(abs(change), bound)


def _dot(path: str) -> str:
    return f"{path}." if path else ""
