"""Where a field is written in its YAML file: the line and column of its key, for error messages.

The input gate (:mod:`orchestration.core.yamlfile`) gives plain data, which
has no positions; a file whose fields did not validate is composed again here
(nodes only: nothing is constructed and aliases are not expanded, so this is
as cheap as reading it) and each problem's field path is followed through the
nodes to its key.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from chaosbench.orchestration.core.errors import DefinitionError
from chaosbench.orchestration.core.yamlfile import read_input

_TOKEN = re.compile(r"\[(\d+)\]|([^.\[\]]+)")
# libyaml's composer when it is installed; both give the same marks.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def key_position(root: Any, field: str) -> tuple[int, int]:
    """The line and column (from 1) of the deepest key of ``field`` (``workload[0].tasks.rate``) found in the
    composed node ``root``; ``(0, 0)`` when not even its first key is there."""
    node, found = root, (0, 0)
    for index, name in _TOKEN.findall(field):
        if index and isinstance(node, yaml.SequenceNode) and int(index) < len(node.value):
            node = node.value[int(index)]
            found = (node.start_mark.line + 1, node.start_mark.column + 1)
            continue
        if not name or not isinstance(node, yaml.MappingNode):
            break
        match = next(((key, value) for key, value in node.value
                      if isinstance(key, yaml.ScalarNode) and key.value == name), None)
        if match is None:
            break
        key, node = match
        found = (key.start_mark.line + 1, key.start_mark.column + 1)
    return found


def key_positions(path: str | Path, fields: Iterable[str]) -> dict[str, tuple[int, int]]:
    """The line and column of each of ``fields`` found in the YAML file ``path`` (those not found are left out);
    nothing when the file cannot be read or composed."""
    try:
        root = yaml.compose(read_input(Path(path)), Loader=_Loader)
    except (DefinitionError, yaml.YAMLError, ValueError):
        return {}
    found = {field: key_position(root, field) for field in fields if field}
    return {field: place for field, place in found.items() if place[0]}
