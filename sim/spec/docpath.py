"""Dotted paths into a raw scenario document: ``faults.0.trigger_storm.rate``.

A path names mapping keys and list indices (as numbers) from the top of the
document. Difficulty ladders and sweep settings both address fields this way.
"""
from __future__ import annotations

from typing import Any


class PathError(ValueError):
    """A path that does not lead to a field of the document."""


def locate(document: Any, path: str, *, create: bool = False) -> tuple[Any, Any]:
    """The container holding the field at ``path`` and the field's key or index in it.

    With ``create``, missing mapping keys on the way are added as empty
    mappings and the last key need not exist; list indices must always exist.
    """
    if not path:
        raise PathError("empty path")
    node: Any = document
    parts = path.split(".")
    last = len(parts) - 1
    for depth, part in enumerate(parts):
        key: Any = part
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise PathError(f"no list item {part!r} at {'.'.join(parts[:depth]) or 'the top'}")
            key = int(part)
        elif not isinstance(node, dict):
            raise PathError(f"the path {path!r} goes through {'.'.join(parts[:depth])!r}, "
                            f"which holds a value, not fields")
        elif part not in node:
            if not create:
                raise PathError(f"the path {path!r} does not exist in the scenario (no {part!r})")
            if depth < last:
                node[part] = {}
        if depth == last:
            return node, key
        node = node[key]
    raise AssertionError("unreachable: the loop returns at the last part")


def assign(document: Any, path: str, value: Any) -> None:
    """Set the field at ``path`` to ``value`` in place, adding missing mapping keys."""
    parent, key = locate(document, path, create=True)
    parent[key] = value
