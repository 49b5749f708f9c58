"""Colour for people at a terminal: verdicts in green or red, never in a pipe, a file, or under ``NO_COLOR``.

Colour is used only when the stream written to is a terminal, ``NO_COLOR``
is unset or empty (https://no-color.org) and ``TERM`` is not ``dumb``; JSON
output is never coloured.
"""
from __future__ import annotations

import os
import sys
from typing import TextIO

_CODES = {"green": "32", "red": "31", "yellow": "33", "bold": "1", "dim": "2"}


def colour_wanted(stream: TextIO) -> bool:
    """Whether text written to ``stream`` may carry colour."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def paint(text: str, style: str, stream: TextIO | None = None) -> str:
    """``text`` in ``style`` (green, red, yellow, bold, dim) when ``stream`` (standard output by default) is a
    terminal that may show colour; ``text`` unchanged otherwise."""
    if not colour_wanted(stream if stream is not None else sys.stdout):
        return text
    return f"\033[{_CODES[style]}m{text}\033[0m"


def verdict_style(ok: bool) -> str:
    """The style of a verdict: green when it is ok, red otherwise."""
    return "green" if ok else "red"
