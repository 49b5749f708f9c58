"""Running chaosbench the way a hostile user would, and checking that it answers as a tool should.

A :class:`Driver` is one Python process, limited to :data:`MEMORY_LIMIT` bytes of
address space, that runs command lines in turn (see :mod:`tests.hostile.driver`).
:func:`check` then holds every outcome to the same rules: an exit status of 0, 1
or 2 (3 only where the case is about the environment); no traceback and no
escaped exception; an answer within the case's time; with ``--json``, standard
output is strict JSON that the shipped schema of the output accepts; and
nothing changed in the case's folder outside its ``out/`` folder.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import jsonschema

from chaosbench.cli.schemas import shipped_schema
from tests.conftest import ROOT

#: The address space the driver may use: a few GB, as a hostile input must never need more.
MEMORY_LIMIT = 3 * 1024**3
#: Seconds any one command may take before it counts as hanging.
TIMEOUT = 30.0
#: Where a case may write; everything else in its folder must stay as it was.
OUT = "out"


@dataclass(frozen=True)
class Outcome:
    status: int | None
    stdout: str
    stderr: str
    hung: bool
    escaped: str | None
    seconds: float


class Driver:
    """A process that runs chaosbench command lines one after another, under a memory limit."""

    def __init__(self) -> None:
        def limit_memory() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

        self._process = subprocess.Popen([sys.executable, "-m", "tests.hostile.driver"], cwd=ROOT, text=True,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, preexec_fn=limit_memory)
        assert json.loads(self._readline()) == {"ready": True}

    def _readline(self) -> str:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        assert line, f"the driver died (exit {self._process.poll()}): out of memory, or killed"
        return line

    def run(self, argv: list[str], cwd: Path, timeout: float = TIMEOUT) -> Outcome:
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps({"argv": argv, "cwd": str(cwd), "timeout": timeout}) + "\n")
        self._process.stdin.flush()
        return Outcome(**json.loads(self._readline()))

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=60)


def snapshot(folder: Path) -> dict[str, tuple[str, str]]:
    """Every entry below ``folder`` but ``out/``: its kind and, for a file, a digest of its bytes."""
    found: dict[str, tuple[str, str]] = {}
    for root, dirs, files in os.walk(folder):
        if Path(root) == folder and OUT in dirs:
            dirs.remove(OUT)
        for name in dirs + files:
            path = Path(root) / name
            relative = str(path.relative_to(folder))
            if path.is_symlink():
                found[relative] = ("link", os.readlink(path))
            elif path.is_file():
                found[relative] = ("file", hashlib.sha256(path.read_bytes()).hexdigest())
            else:
                found[relative] = ("other", "")
    return found


@functools.cache
def _output_schema() -> jsonschema.Draft202012Validator:
    """The shipped JSON Schema of every command's --json output."""
    return jsonschema.Draft202012Validator(json.loads(shipped_schema("output").read_text(encoding="utf-8")))


def strict_json(text: str) -> object:
    """``text`` parsed as RFC 8259 JSON: the words NaN and Infinity are refused."""

    def refuse(word: str) -> object:
        raise ValueError(f"{word} is not JSON")

    return json.loads(text, parse_constant=refuse)


def check(outcome: Outcome, argv: list[str], *, allowed: frozenset[int] = frozenset({0, 1, 2}),
          limit: float = TIMEOUT) -> None:
    """Hold ``outcome`` of ``argv`` to the rules of a well-behaved command line (see the module docstring)."""
    what = " ".join(argv)
    assert not outcome.hung, f"{what}: no answer within {limit:g}s"
    assert outcome.escaped is None, f"{what}: an exception escaped:\n{outcome.escaped}"
    assert "Traceback" not in outcome.stderr, f"{what}: a traceback:\n{outcome.stderr}"
    assert outcome.status in allowed, f"{what}: exit {outcome.status}\n{outcome.stderr[-2000:]}"
    if "--json" in argv and (outcome.stdout.strip() or outcome.status in (0, 1)):
        try:
            printed = strict_json(outcome.stdout)
        except ValueError as exc:
            raise AssertionError(f"{what}: --json printed what is not strict JSON ({exc}):\n"
                                 f"{outcome.stdout[:2000]}") from None
        problem = next(iter(_output_schema().iter_errors(printed)), None)
        assert problem is None, f"{what}: --json printed what its schema refuses: {problem}"
    if outcome.status == 2:  # why: on standard error, or in the JSON a --json command prints instead
        assert outcome.stderr.strip() or "--json" in argv and outcome.stdout.strip(), f"{what}: exit 2, no reason"
