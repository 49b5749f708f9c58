"""Progress bars on standard error, shown only for work that lasts more than about a second, and never under -q."""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from tqdm import tqdm


def bar_disabled(verbosity: int) -> bool | None:
    """tqdm's ``disable`` for a command run at ``verbosity``: off under ``-q``, else only on a terminal (None)."""
    return True if verbosity < 0 else None


@contextmanager
def progress_bar(total: float, label: str, unit: str = "sim s",
                 verbosity: int = 0) -> Iterator[Callable[[float], None]]:
    """Yield a function taking the position reached (out of ``total``).

    The bar appears after one second, never on a terminal-less stream and never at a ``verbosity`` below 0.
    """
    bar = tqdm(total=total, desc=label, unit=unit, file=sys.stderr, delay=1.0, disable=bar_disabled(verbosity),
               leave=False,
               bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} {unit} [{elapsed}<{remaining}]")
    reached = 0.0

    def advance(position: float) -> None:
        nonlocal reached
        if position > reached:
            bar.update(position - reached)
            reached = position

    try:
        yield advance
    finally:
        bar.close()


@contextmanager
def finished_lines(total: int, label: str, verbosity: int = 0,
                   stream: TextIO | None = None) -> Iterator[Callable[[int, str], None]]:
    """Yield a function taking how many of ``total`` pieces of work are done and what the last one was.

    On a terminal it moves a bar (and with ``-v`` prints a line per piece too); elsewhere (a CI log) it prints
    one line per finished piece, at once; under ``-q``, nothing.
    """
    stream = stream or sys.stderr
    if verbosity < 0 or not stream.isatty():
        def line(done: int, what: str) -> None:
            if verbosity >= 0:
                print(f"{label}: [{done}/{total}] {what}", file=stream, flush=True)

        yield line
        return
    bar = tqdm(total=total, desc=label, unit="run", file=stream, leave=False)

    def move(done: int, what: str) -> None:
        if verbosity > 0:
            tqdm.write(f"{label}: [{done}/{total}] {what}", file=stream)
        bar.set_postfix_str(what, refresh=False)
        bar.update(done - bar.n)

    try:
        yield move
    finally:
        bar.close()
