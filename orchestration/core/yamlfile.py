"""Reading definition files: YAML through ``yaml.safe_load`` only.

Any tag that would build a Python object (``!!python/object`` and friends) is
refused by the safe loader; the refusal becomes a :class:`DefinitionError`
naming the file and the line. Files are parsed once per content: every stack
of a sweep reads the same workflow, rule and schema files, and parsing
dominates building a stack. Callers only read the parsed data.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from chaosbench.orchestration.core.errors import DefinitionError


def load_yaml(source: str | Path, *, text: str | None = None) -> Any:
    """Parse the YAML file ``source`` (or ``text`` labelled ``source``)."""
    name = str(source)
    if text is None:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except OSError as exc:
            raise DefinitionError(f"cannot read the file: {exc.strerror or exc}", file=name) from None
    return _parse(name, text)


@lru_cache(maxsize=64)
def _parse(name: str, text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        if "could not determine a constructor" in str(exc):
            problem = f"tags that build objects are not allowed ({problem.strip()})"
        raise DefinitionError(f"{line}invalid YAML: {problem}", file=name) from None
