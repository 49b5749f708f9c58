"""Reading scenario files: YAML through the input gate, then the models.

Every problem of a file is reported at once, each as a :class:`Problem`
naming the field path (``workload[0].tasks.rate``) and what was expected.
The loader never lets a traceback reach the user: the CLI prints the
problems of a :class:`ScenarioError` and exits 2.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from chaosbench.orchestration.core.errors import DefinitionError
from chaosbench.orchestration.core.yamlfile import parse_yaml, read_input
from chaosbench.sim.scenario.levels import LadderError, apply_level
from chaosbench.sim.scenario.model import Scenario, ScenarioTimingError
from chaosbench.sim.spec.fields import KeyedUnion, suggest


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where and what."""

    field: str
    message: str


class ScenarioError(Exception):
    """A file that cannot be used, with every problem found in it."""

    def __init__(self, path: str | Path, problems: list[Problem]) -> None:
        self.path = str(path)
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        """One line per problem: ``file: field: message``."""
        return "\n".join(f"{self.path}: {p.field}: {p.message}" if p.field else f"{self.path}: {p.message}"
                         for p in self.problems)


class ScenarioErrors(ScenarioError):
    """Problems found in several files, each reported under its own file."""

    def __init__(self, errors: list[ScenarioError]) -> None:
        self.errors = errors
        super().__init__(errors[0].path, [problem for error in errors for problem in error.problems])

    def render(self) -> str:
        return "\n".join(error.render() for error in self.errors)


def read_yaml(path: str | Path) -> Any:
    """The plain data in a YAML file, through the input gate (:mod:`orchestration.core.yamlfile`)."""
    try:
        return parse_yaml(read_input(path), str(path))
    except DefinitionError as exc:
        raise ScenarioError(path, [Problem(exc.path, exc.message)]) from None


def load_scenario(path: str | Path, level: int = 0) -> Scenario:
    """The scenario in ``path`` at difficulty ``level``, or a :class:`ScenarioError`."""
    document = read_yaml(path)
    return scenario_from_document(document, path, level)


def scenario_mapping(document: Any, path: str | Path) -> dict[str, Any]:
    """``document`` if it is a mapping, as a scenario file must be; else the ScenarioError of ``path``."""
    if not isinstance(document, dict):
        problem = Problem("", f"expected a mapping of scenario fields, got {type(document).__name__}")
        raise ScenarioError(path, [problem])
    return document


def scenario_from_document(document: Any, path: str | Path, level: int = 0) -> Scenario:
    """Validate an already-read document as the scenario of ``path``."""
    document = scenario_mapping(document, path)
    try:
        document = apply_level(document, level)
    except LadderError as exc:
        raise ScenarioError(path, [Problem(exc.field, str(exc))]) from None
    try:
        return Scenario.model_validate(document)
    except ValidationError as exc:
        raise ScenarioError(path, problems_of(exc, Scenario)) from None


def problems_of(error: ValidationError, model: type[BaseModel]) -> list[Problem]:
    """Translate pydantic's errors into problems with readable paths and messages."""
    problems: list[Problem] = []
    for item in error.errors(include_url=False):
        cause = (item.get("ctx") or {}).get("error")
        if isinstance(cause, ScenarioTimingError):
            problems.extend(Problem(field, message) for field, message in cause.problems)
            continue
        loc = tuple(item["loc"])
        problems.append(Problem(field_path(loc), _message(item, model, loc)))
    return problems


def field_path(loc: tuple[Any, ...]) -> str:
    """``('workload', 0, 'tasks', 'rate')`` → ``workload[0].tasks.rate``.

    pydantic's markers (``[key]``) and the tag a keyed entry repeats before
    its own field (``latency.latency``) are left out.
    """
    text = ""
    previous = None
    for part in loc:
        if part == "[key]" or part == previous:
            continue
        previous = part
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _message(item: ErrorDetails, model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    kind = item["type"]
    if kind == "extra_forbidden":
        fields = _fields_at(model, loc[:-1])
        hint = suggest(str(loc[-1]), fields) if fields else ""
        expected = f"; expected one of {', '.join(fields)}" if fields and not hint else ""
        return f"unknown key {loc[-1]!r}{hint}{expected}"
    if kind == "missing":
        return "missing required field"
    message = item["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    if message.startswith("Input should be"):
        message = "expected" + message[len("Input should be"):] + f", got {item.get('input')!r}"
    return message


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The field names of the model found at ``loc`` under ``model``, if one is."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue  # list items: the next name picks the model
        current = _unwrap(current, part)
        if _is_model(current) and part in current.model_fields:
            current = current.model_fields[part].annotation
    current = _unwrap(current)
    if _is_model(current):
        return [field.alias or name for name, field in current.model_fields.items()]
    return []


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _unwrap(annotation: Any, field: Any = None) -> Any:
    """The model inside ``X | None``, ``list[X]``, ``dict[K, X]``, a union of models or a keyed entry.

    Among several models, the one that has ``field`` is preferred.
    """
    if isinstance(annotation, KeyedUnion):
        annotation = annotation.choices  # a keyed entry's own models, one per name
    if get_origin(annotation) is None:
        return annotation
    models = [inner for inner in (_unwrap(arg, field) for arg in get_args(annotation)) if _is_model(inner)]
    for model in models:
        if field in model.model_fields:
            return model
    return models[-1] if models else annotation
