"""``{{ payload.x }}`` substitution in action parameters.

The renderer knows one construct: ``{{ PATH }}`` where PATH is a payload path
(see :mod:`orchestration.paths`). Anything else between braces -- an
expression, a call, an attribute, a dunder -- is refused when the definition
is loaded, so a bad template never gets to run. A string that is exactly one
placeholder renders to the value itself (a number stays a number); a
placeholder inside text renders as text. A path absent from the payload
renders as ``None`` (or as the empty string inside text).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from chaosbench.orchestration.core.errors import DefinitionError
from chaosbench.orchestration.mesh.events import Event
from chaosbench.orchestration.mesh.paths import MISSING, compile_path

Renderer = Callable[[Event], Any]

_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.S)


def compile_template(value: Any, path: str = "") -> Renderer:
    """Compile ``value`` (scalars, lists and mappings nesting templates) into a renderer."""
    if isinstance(value, str):
        return _compile_string(value, path)
    if isinstance(value, dict):
        items = []
        for key, item in value.items():
            if not isinstance(key, str):
                raise DefinitionError(f"parameter names must be strings, got {key!r}", path=path)
            items.append((key, compile_template(item, f"{path}.{key}" if path else key)))
        constants = {key: render.value for key, render in items if isinstance(render, _Constant)}
        if len(constants) == len(items):
            return _Constant(constants)
        return lambda event: {key: render(event) for key, render in items}
    if isinstance(value, list):
        renders = [compile_template(item, f"{path}[{i}]") for i, item in enumerate(value)]
        values = [render.value for render in renders if isinstance(render, _Constant)]
        if len(values) == len(renders):
            return _Constant(values)
        return lambda event: [render(event) for render in renders]
    if value is None or isinstance(value, (bool, int, float)):
        return _Constant(value)
    raise DefinitionError(f"unsupported parameter value of type {type(value).__name__}", path=path)


class _Constant:
    """A renderer whose result does not depend on the event: ``value`` itself."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __call__(self, event: Event) -> Any:
        return self.value


def _compile_string(text: str, path: str) -> Renderer:
    pieces: list[str | Callable[[Event], Any]] = []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        if match.start() > position:
            pieces.append(text[position : match.start()])
        pieces.append(_getter(match.group(1).strip(), text, path))
        position = match.end()
    rest = text[position:]
    if "{{" in rest or "}}" in rest:
        raise DefinitionError(f"unbalanced braces in template {text!r}", path=path)
    if rest:
        pieces.append(rest)
    if not any(callable(piece) for piece in pieces):
        return _Constant(text)
    getter = pieces[0]
    if len(pieces) == 1 and not isinstance(getter, str):  # the text is exactly one placeholder

        def whole(event: Event) -> Any:
            value = getter(event)
            return None if value is MISSING else value

        return whole

    def joined(event: Event) -> str:
        out = []
        for piece in pieces:
            if callable(piece):
                value = piece(event)
                out.append("" if value is MISSING or value is None else str(value))
            else:
                out.append(piece)
        return "".join(out)

    return joined


def _getter(expression: str, text: str, path: str) -> Callable[[Event], Any]:
    try:
        return compile_path(expression)
    except DefinitionError as exc:
        raise DefinitionError(
            f"template {text!r} is refused: {exc.message}; only '{{{{ payload.<key> }}}}' is allowed",
            path=path,
        ) from None
