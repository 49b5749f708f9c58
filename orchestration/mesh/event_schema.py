"""Event schemas: which event types exist and what their payloads hold.

The schema file groups event types by family. Workflows and policy rules are
checked against it when they are loaded (an unknown event type is an error),
and published payloads can be checked against it on the bus's hot path, so
each type's checks are compiled once into a tuple of field rules.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from chaosbench.orchestration.core.errors import DefinitionError
from chaosbench.orchestration.core.yamlfile import load_yaml

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}
_FIELD_KEYS = {"type", "required", "enum", "description"}

#: A compiled payload field: its name, the exact types accepted at a glance, the accepted types, whether it is
#: required, and its allowed values.
_FieldRule = tuple[str, frozenset[type], tuple[type, ...], bool, frozenset[Any] | None]


def default_schema_path() -> Path:
    """The schema file shipped with the package."""
    return Path(str(resources.files("chaosbench.orchestration") / "schemas" / "event_schemas.yaml"))


class EventSchemas:
    """Known event types, their families and compiled payload checks."""

    def __init__(self, types: dict[str, dict[str, Any]], families: dict[str, list[str]]) -> None:
        self.families = families
        self._fields = types
        self._rules = {name: _compile(fields) for name, fields in types.items()}

    @classmethod
    def load(cls, path: str | Path | None = None) -> EventSchemas:
        """Read and check a schema file (the packaged one by default)."""
        path = path or default_schema_path()
        data = load_yaml(path)
        try:
            return cls.from_dict(data)
        except DefinitionError as exc:
            raise exc.located(file=str(path)) from None

    @classmethod
    def from_dict(cls, data: Any) -> EventSchemas:
        if not isinstance(data, dict) or not isinstance(data.get("families"), dict):
            raise DefinitionError("expected a mapping with 'families'", path="families")
        types: dict[str, dict[str, Any]] = {}
        families: dict[str, list[str]] = {}
        for family, members in data["families"].items():
            where = f"families.{family}"
            if not isinstance(members, dict):
                raise DefinitionError("expected a mapping of event types", path=where)
            families[family] = []
            for name, spec in members.items():
                if not isinstance(name, str) or not name.startswith(f"{family}."):
                    raise DefinitionError(f"event type {name!r} must start with '{family}.'", path=f"{where}.{name}")
                payload = (spec or {}).get("payload", {}) if isinstance(spec, dict) else None
                if not isinstance(payload, dict):
                    raise DefinitionError("expected a mapping with 'payload'", path=f"{where}.{name}")
                for field, rule in payload.items():
                    _check_field(rule, f"{where}.{name}.payload.{field}")
                types[name] = payload
                families[family].append(name)
        return cls(types, families)

    # -- queries --------------------------------------------------------

    def __contains__(self, event_type: str) -> bool:
        return event_type in self._rules

    @property
    def types(self) -> list[str]:
        return list(self._rules)

    def fields(self, event_type: str) -> dict[str, Any]:
        """The payload fields declared for ``event_type``."""
        return self._fields[event_type]

    def check(self, event_type: str, payload: Any) -> str | None:
        """Why ``payload`` is not a valid ``event_type`` payload, or None if it is."""
        rules = self._rules.get(event_type)
        if rules is None:
            return f"unknown event type {event_type!r}"
        if not isinstance(payload, dict):
            return "payload is not a mapping"
        get = payload.get
        for field, exact, kinds, required, allowed in rules:
            value = get(field, _ABSENT)
            # Values of exactly a declared type (nearly all of them) pass on one set lookup; subclasses, absent
            # fields and None take the full checks below.
            if type(value) in exact:
                if allowed is None or value in allowed:
                    continue
                return f"field {field!r} should be one of {sorted(allowed)}, got {value!r}"
            if value is _ABSENT or value is None:
                if required:
                    return f"missing required field {field!r}"
                continue
            if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
                return f"field {field!r} should be {_name(kinds)}, got {type(value).__name__}"
            if allowed is not None and value not in allowed:
                return f"field {field!r} should be one of {sorted(allowed)}, got {value!r}"
        return None


_ABSENT = object()


def _name(kinds: tuple[type, ...]) -> str:
    for name, candidate in _TYPES.items():
        if candidate == kinds:
            return name
    return "/".join(k.__name__ for k in kinds)


def _check_field(rule: Any, path: str) -> None:
    if not isinstance(rule, dict) or rule.get("type") not in _TYPES:
        raise DefinitionError(f"expected {{type: one of {', '.join(_TYPES)}}}", path=path)
    unknown = set(rule) - _FIELD_KEYS
    if unknown:
        raise DefinitionError(f"unknown keys {sorted(unknown)}; expected {sorted(_FIELD_KEYS)}", path=path)
    if "enum" in rule and not isinstance(rule["enum"], list):
        raise DefinitionError("'enum' expects a list", path=f"{path}.enum")


def _compile(fields: dict[str, Any]) -> tuple[_FieldRule, ...]:
    return tuple(
        (
            field,
            frozenset(_TYPES[rule["type"]]),
            _TYPES[rule["type"]],
            bool(rule.get("required", False)),
            frozenset(rule["enum"]) if "enum" in rule else None,
        )
        for field, rule in fields.items()
    )
