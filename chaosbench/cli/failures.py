"""Every failure the command line knows, mapped in one place to an exit status, a file, a field and a message.

:func:`failures_of` turns an exception into :class:`Failure` records: bad input
(a file that cannot be used, a run folder that is not ours) exits 2, the
environment (output that cannot be written, a full disk, an unwritable
database, memory exhausted) exits 3. An exception it does not know is a
defect of chaosbench: :func:`failures_of` returns ``None`` for it.
"""
from __future__ import annotations

import errno
import sqlite3
from dataclasses import dataclass

from chaosbench.cli.exit_codes import EXIT_ENVIRONMENT, EXIT_INPUT
from chaosbench.orchestration.core.errors import DefinitionError
from chaosbench.sim.difficulty.dbfile import MemoryUnavailable
from chaosbench.sim.parallel.executors import ExecutorUnavailable, WorkerLost, WorkFailed
from chaosbench.sim.run.record import JournalError
from chaosbench.sim.run.rundir import RunDirError
from chaosbench.sim.scenario.loader import ScenarioError, ScenarioErrors
from chaosbench.sim.spec.extras import MissingExtra
from chaosbench.sim.store.backends import environment_errors

#: OS errors that say something about the path given (bad input), not about the machine.
_PATH_ERRNOS = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.ENAMETOOLONG, errno.ELOOP,
                          errno.EEXIST, errno.ENOTEMPTY})


@dataclass(frozen=True)
class Failure:
    """One thing that went wrong: the exit status it calls for, the file and field it concerns (with the line and
    column of the field's key, from 1, when known), what happened."""

    status: int
    file: str
    field: str
    message: str
    line: int = 0
    column: int = 0

    def text(self) -> str:
        """``file:line:column: field: message``, leaving out what is empty (``chaosbench: message`` when nothing
        is): the form editors and terminals turn into a link to the place."""
        where = self.file or "chaosbench"
        if self.file and self.line:
            where += f":{self.line}:{self.column}"
        return ": ".join(part for part in (where, self.field, self.message) if part)


class BadInput(Exception):
    """Input a command cannot use, found by the command itself (a folder with no runs, a missing baseline)."""

    def __init__(self, message: str, file: str = "", field: str = "") -> None:
        super().__init__(message)
        self.message, self.file, self.field = message, file, field


def failures_of(exc: BaseException) -> list[Failure] | None:
    """The failures ``exc`` stands for, or None when it is not a failure chaosbench knows."""
    if isinstance(exc, MissingExtra):
        return [Failure(EXIT_INPUT, "", "", str(exc))]
    if isinstance(exc, BadInput):
        return [Failure(EXIT_INPUT, exc.file, exc.field, exc.message)]
    if isinstance(exc, ScenarioErrors):
        return [failure for error in exc.errors for failure in _problems(error)]
    if isinstance(exc, ScenarioError):
        return _problems(exc)
    if isinstance(exc, DefinitionError):
        return [Failure(EXIT_INPUT, exc.file, exc.path, exc.message)]
    if isinstance(exc, RunDirError):
        return [Failure(EXIT_INPUT, str(exc.path), "", exc.reason)]
    if isinstance(exc, (JournalError, WorkFailed, ExecutorUnavailable)):
        return [Failure(EXIT_INPUT, "", "", str(exc))]
    if isinstance(exc, WorkerLost):
        return [Failure(EXIT_ENVIRONMENT, "", "", f"{exc}: run the same command again to go on from there")]
    if isinstance(exc, MemoryUnavailable):
        return [Failure(EXIT_ENVIRONMENT, str(exc.path), "", exc.reason)]
    if isinstance(exc, environment_errors()):
        return [Failure(EXIT_ENVIRONMENT, "", "", f"database: {exc}")]
    if isinstance(exc, sqlite3.DatabaseError):  # a file given as a database that is none
        return [Failure(EXIT_INPUT, "", "", str(exc))]
    if isinstance(exc, MemoryError):
        return [Failure(EXIT_ENVIRONMENT, "", "", "out of memory")]
    if isinstance(exc, OSError):
        status = EXIT_INPUT if exc.errno in _PATH_ERRNOS else EXIT_ENVIRONMENT
        file = str(exc.filename) if exc.filename is not None else ""
        return [Failure(status, file, "", " ".join(str(exc.strerror or exc).split()))]
    return None


def _problems(error: ScenarioError) -> list[Failure]:
    return [Failure(EXIT_INPUT, error.path, problem.field, problem.message, problem.line, problem.column)
            for problem in error.problems]
