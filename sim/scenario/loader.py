"""Reading scenario files: YAML through the input gate, then the models.

Every problem of a file is reported at once, each as a :class:`Problem`
naming the field path (``workload[0].tasks.rate``) and what was expected.
The loader never lets a traceback reach the user: the CLI prints the
problems of a :class:`ScenarioError` and exits 2.
"""
from __future__ import annotations

import copy
import dataclasses
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from chaosbench.orchestration.core.errors import DefinitionError
from chaosbench.orchestration.core.yamlfile import parse_yaml, read_input
from chaosbench.sim.scenario.levels import LadderError, apply_level
from chaosbench.sim.scenario.model import Scenario, ScenarioTimingError
from chaosbench.sim.scenario.positions import key_positions
from chaosbench.sim.spec.fields import KeyedUnion, suggest
from chaosbench.sim.spec.units import shown


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: the field and what is wrong with it, and the line and column (from 1) of the
    field's key in the file when known (0 otherwise)."""

    field: str
    message: str
    line: int = 0
    column: int = 0

    def where(self, path: str) -> str:
        """``path:line:column`` (``path`` alone when the place is not known)."""
        return f"{path}:{self.line}:{self.column}" if self.line else path


class ScenarioError(Exception):
    """A file that cannot be used, with every problem found in it."""

    def __init__(self, path: str | Path, problems: list[Problem]) -> None:
        self.path = str(path)
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        """One line per problem: ``file:line:column: field: message`` (the place when known)."""
        return "\n".join(f"{p.where(self.path)}: {p.field}: {p.message}" if p.field else f"{self.path}: {p.message}"
                         for p in self.problems)


def located(error: ScenarioError) -> ScenarioError:
    """``error`` with the line and column of each problem's field, where its file shows them."""
    places = key_positions(error.path, [problem.field for problem in error.problems if not problem.line])
    if not places:
        return error
    return ScenarioError(error.path, [dataclasses.replace(problem, line=places[problem.field][0],
                                                          column=places[problem.field][1])
                                      if problem.field in places and not problem.line else problem
                                      for problem in error.problems])


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
    """Validate an already-read document as the scenario of ``path``, at ``level``.

    Relative paths of files it names are read from the folder of ``path``
    (:func:`resolve_files`). Every other level of its difficulty ladder must
    validate too, so that a ladder never steps into a scenario that cannot run.
    """
    document = resolve_files(scenario_mapping(document, path), path)
    try:
        scenario = _at_level(document, path, level, [])
        _check_ladder(document, path, scenario.difficulty.max_level, level)
    except ScenarioError as exc:
        raise located(exc) from None
    return scenario


def _at_level(document: dict[str, Any], path: str | Path, level: int, say: list[str]) -> Scenario:
    """The scenario ``document`` at ``level``; ``say`` prefixes the problems of a level that was not asked for."""
    try:
        return Scenario.model_validate(apply_level(document, level))
    except LadderError as exc:  # its message names the level already
        raise ScenarioError(path, [Problem(exc.field, str(exc))]) from None
    except ValidationError as exc:
        problems = problems_of(exc, Scenario)
    raise ScenarioError(path, [Problem(p.field, " ".join([*say, p.message])) for p in problems])


#: Documents whose every level validated, by digest: a sweep or a suite loads one document many times.
_LADDERS_CHECKED: dict[str, None] = {}


def _check_ladder(document: dict[str, Any], path: str | Path, max_level: int, checked: int) -> None:
    if max_level == 0:
        return
    digest = hashlib.sha256(repr(document).encode()).hexdigest()
    if digest in _LADDERS_CHECKED:
        return
    for level in range(max_level + 1):
        if level != checked:
            _at_level(document, path, level, [f"at difficulty level {level} (of max_level {max_level}):"])
    if len(_LADDERS_CHECKED) >= 256:
        _LADDERS_CHECKED.pop(next(iter(_LADDERS_CHECKED)))
    _LADDERS_CHECKED[digest] = None


#: Fields of a scenario that name files (``*`` for every list item): a relative path in them is read from the
#: folder of the scenario file, wherever chaosbench runs.
FILE_FIELDS = ("stack.workflows.file", "stack.workflows.schemas", "stack.workflows.swaps.*.file",
               "stack.policy.rules_file")


def resolve_files(document: dict[str, Any], path: str | Path) -> dict[str, Any]:
    """A copy of ``document`` in which every relative path of :data:`FILE_FIELDS` is made absolute, relative to
    the folder of the scenario file ``path``."""
    document = copy.deepcopy(document)
    folder = os.path.dirname(os.path.abspath(path))
    for field in FILE_FIELDS:
        for parent, key in _places(document, field.split(".")):
            value = parent[key]
            if isinstance(value, str) and value and not os.path.isabs(value):
                parent[key] = os.path.normpath(os.path.join(folder, value))
    return document


def _places(node: Any, parts: list[str]) -> list[tuple[Any, Any]]:
    """Every (container, key) that the dotted ``parts`` reach in ``node``; ``*`` stands for each list item."""
    head, rest = parts[0], parts[1:]
    children: list[tuple[Any, Any]]
    if head == "*":
        children = list(enumerate(node)) if isinstance(node, list) else []
    else:
        children = [(head, node[head])] if isinstance(node, dict) and head in node else []
    if not rest:
        return [(node, key) for key, _ in children]
    return [place for _, child in children for place in _places(child, rest)]


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
        message = "expected" + message[len("Input should be"):] + f", got {shown(item.get('input'))}"
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
