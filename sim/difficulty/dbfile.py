"""Opening a SQLite file as the memory database, after making sure it is one, without writing to anything else.

A file is taken when it is absent or empty (a new database), when SQLite's
``application_id`` marks it as a chaosbench memory database, or when it is a
database of an older chaosbench, which had no mark: recognised by its
``runs`` and ``scenario_levels`` tables, it is marked and upgraded. Anything
else (a text file, another program's database) is refused, exit 2, before
any connection that could write to it is opened; so is a database of a
newer layout. What is read to decide is read through an immutable read-only
connection, which takes no lock and creates no file beside it.
"""
from __future__ import annotations

import sqlite3
import stat
from pathlib import Path
from typing import NoReturn
from urllib.parse import quote

from chaosbench.sim.difficulty.schema import SCHEMA_VERSION
from chaosbench.sim.scenario.loader import Problem, ScenarioError
from chaosbench.sim.store.backends import MemoryUnavailable as MemoryUnavailable

#: SQLite's ``application_id`` of a chaosbench memory database: "cbmd" in ASCII.
APPLICATION_ID = int.from_bytes(b"cbmd", "big")
#: The tables by which a database written before the mark existed is recognised.
OLDER_LAYOUT_TABLES = frozenset({"runs", "scenario_levels"})
_HEADER = b"SQLite format 3\x00"


def open_memory_file(path: Path) -> sqlite3.Connection:
    """A connection to the memory database in ``path``, in WAL mode, marked as chaosbench's.

    Raises :class:`ScenarioError` for a file that is not a chaosbench memory database (left untouched) and
    :class:`MemoryUnavailable` when SQLite cannot open or write it.
    """
    _check_is_ours(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, isolation_level=None, timeout=30.0)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        if connection.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
            connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    except sqlite3.OperationalError as exc:
        raise MemoryUnavailable(path, f"cannot open the memory database: {exc}") from None
    except OSError as exc:
        raise MemoryUnavailable(path, f"cannot open the memory database: {exc.strerror or exc}") from None
    return connection


def _check_is_ours(path: Path) -> None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return  # a new database
    if stat.S_ISDIR(info.st_mode):
        _refuse(path, "is a folder, expected a memory database file")
    if not stat.S_ISREG(info.st_mode):
        _refuse(path, "is not a regular file (a FIFO, socket or device), expected a memory database file")
    if info.st_size == 0:
        return
    with open(path, "rb") as handle:
        if handle.read(len(_HEADER)) != _HEADER:
            _refuse(path, "is not a SQLite database, so not a chaosbench memory database; nothing was written "
                          "to it: give --db a new file")
    application_id, version, tables = _inspect(path)
    ours = application_id == APPLICATION_ID or (application_id == 0 and (not tables or OLDER_LAYOUT_TABLES <= tables))
    if not ours:
        _refuse(path, "is a SQLite database of another program (application_id "
                      f"{application_id}, tables {', '.join(sorted(tables)[:5]) or 'none'}), not a chaosbench memory "
                      "database; nothing was written to it: give --db a new file")
    if version > SCHEMA_VERSION:
        _refuse(path, f"memory database layout version {version} is newer than this chaosbench writes "
                      f"(version {SCHEMA_VERSION}); upgrade chaosbench or use another --db")


def _inspect(path: Path) -> tuple[int, int, frozenset[str]]:
    """The application id, layout version and table names of the database in ``path``, read without writing."""
    # immutable: no lock, no -shm file; unless a -wal file holds changes not yet in the database file.
    mode = "mode=ro" if path.with_name(path.name + "-wal").exists() else "mode=ro&immutable=1"
    try:
        connection = sqlite3.connect(f"file:{quote(str(path.resolve()))}?{mode}", uri=True)
        try:
            application_id = connection.execute("PRAGMA application_id").fetchone()[0]
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            tables = frozenset(name for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"))
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        _refuse(path, f"is not a usable SQLite database ({exc}); nothing was written to it")
    return int(application_id), int(version), tables


def _refuse(path: Path, reason: str) -> NoReturn:
    raise ScenarioError(path, [Problem("", reason)])
