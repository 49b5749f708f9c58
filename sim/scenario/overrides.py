"""``--set PATH=VALUE`` and ``--without NAME`` overrides: reading them, applying them to a scenario, writing them back.

Values are read as YAML scalars (``5/s``, ``30s``, ``8``, ``off``) and put
into the raw scenario document at a dotted path (see :mod:`sim.docpath`)
before the difficulty level is applied and the models validate it, so a bad
value is reported like a bad field of the file. A safeguard turned off by
name (``--without``, ``--only``) becomes ``enabled: false`` in its section
of ``stack`` (:data:`sim.checks.safeguards.SAFEGUARDS`), applied after the
``--set`` overrides, so it wins over them.
"""
from __future__ import annotations

import copy
import shlex
from collections.abc import Iterable, Sequence
from typing import Any

from chaosbench.orchestration.core.errors import DefinitionError
from chaosbench.orchestration.core.yamlfile import parse_yaml
from chaosbench.sim.checks.safeguards import SAFEGUARDS, switch_arguments
from chaosbench.sim.scenario.loader import Problem, ScenarioError, scenario_from_document
from chaosbench.sim.scenario.model import Scenario
from chaosbench.sim.spec.docpath import PathError, assign

#: One ``--set`` path with its values: ``(path, [(value, text as written), ...])``.
Axis = tuple[str, list[tuple[Any, str]]]


def parse_setting(text: str) -> Axis:
    """``path=v1,v2`` → ``(path, [(v1, 'v1'), (v2, 'v2')])``, each value read as a YAML scalar."""
    path, sep, values = text.partition("=")
    path = path.strip()
    if not sep or not path or not values.strip():
        raise ValueError(f"expected PATH=VALUE[,VALUE...], got {text!r}")
    parsed = []
    for item in values.split(","):
        item = item.strip()
        try:
            value = parse_yaml(item, f"--set {path}")
        except DefinitionError as exc:
            raise ValueError(f"{path}: {item!r} is not a plain value ({exc.message})") from None
        if isinstance(value, (dict, list)) or item == "":
            raise ValueError(f"{path}: expected a single value, got {item!r}")
        parsed.append((value, item))
    return path, parsed


def scenario_at(document: Any, overrides: Iterable[Sequence[Any]], file: str, level: int,
                without: Iterable[str] = ()) -> Scenario:
    """The scenario of ``document`` with ``overrides`` applied and the safeguards ``without`` off, at ``level``."""
    document = copy.deepcopy(document)
    switches = [(f"stack.{SAFEGUARDS[name]}.enabled", False) for name in without]
    for path, value in [*overrides, *switches] if isinstance(document, dict) else ():  # else the loader says
        try:
            assign(document, path, value)
        except PathError as exc:
            raise ScenarioError(file, [Problem(f"--set {path}", str(exc))]) from None
    return scenario_from_document(document, file, level)


def setting_arguments(sets: Sequence[str], without: Iterable[str] = ()) -> list[str]:
    """A ``--set PATH=VALUE`` for each setting and the switches that turn the safeguards ``without`` off."""
    return [*(argument for text in sets for argument in ("--set", text)), *switch_arguments(without)]


def run_command(file: str, options: Sequence[str]) -> str:
    """``chaosbench run FILE OPTIONS...`` quoted for a shell (``shlex.join``): ``shlex.split`` gives every argument
    back as it was, whatever its characters. A file whose name starts with a dash comes last, after ``--``."""
    arguments = [*options, "--", file] if file.startswith("-") else [file, *options]
    return shlex.join(["chaosbench", "run", *arguments])
