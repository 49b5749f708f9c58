"""Finding scenario, suite and incident files, and telling them apart.

A suite file is a mapping with a ``scenarios`` list of paths relative to the
suite file. An incident file (a drill, :mod:`sim.drills`) lies in a folder
named ``drills`` or is a mapping with an ``incidents`` list. Every other YAML
file is a scenario.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from chaosbench.sim.scenario.loader import Problem, ScenarioError, located, problems_of, read_yaml
from chaosbench.sim.spec.fields import Model

YAML_SUFFIXES = (".yaml", ".yml")


class Suite(Model):
    """A named list of scenario files."""

    name: str
    description: str = ""
    scenarios: list[str]


#: The folder incident files live in (``scenarios/drills/``).
DRILLS_FOLDER = "drills"


def is_suite(document: Any) -> bool:
    return isinstance(document, dict) and "scenarios" in document and "duration" not in document


def is_drill(path: str | Path, document: Any = None) -> bool:
    """``path`` (read as ``document``) is an incident file: in a ``drills`` folder, or holding ``incidents``."""
    return Path(path).parent.name == DRILLS_FOLDER or (isinstance(document, dict) and "incidents" in document)


def yaml_files(paths: Iterable[str | Path]) -> list[Path]:
    """Every YAML file named or found below the folders named, sorted within each folder."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file()))
        else:
            found.append(path)
    return found


def load_suite(path: str | Path, document: Any = None) -> tuple[Suite, list[Path]]:
    """The suite in ``path`` and its scenario files, each checked to exist."""
    path = Path(path)
    document = read_yaml(path) if document is None else document
    try:
        suite = Suite.model_validate(document)
    except ValidationError as exc:
        raise located(ScenarioError(path, problems_of(exc, Suite))) from None
    # normpath folds "suites/../layer2" so reproduce commands show the plain path.
    files = [Path(os.path.normpath(path.parent / entry)) for entry in suite.scenarios]
    missing = [Problem(f"scenarios[{i}]", f"no scenario file {str(file)!r}")
               for i, file in enumerate(files) if not file.is_file()]
    if missing:
        raise ScenarioError(path, missing)
    return suite, files
