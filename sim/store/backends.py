"""Where the memory database lives: a SQLite file (the default) or a PostgreSQL database (``postgresql://...``).

A backend runs SQL for :class:`sim.difficulty.memory.MemoryDB` and hides
what differs: parameter marks, column types, how a new row's key comes back,
where the layout version is kept, and how a transaction keeps other writers
out. Both hold the same tables with the same columns (SQLite's types, or
PostgreSQL's of the same meaning: ``BIGINT``, ``DOUBLE PRECISION``,
``TEXT``; an integer primary key is an identity column) and the same layout
version: SQLite's ``PRAGMA user_version``, PostgreSQL's row of the table
``chaosbench_layout``.

A write transaction excludes every other writer of the same database for its
length: SQLite's ``BEGIN IMMEDIATE``, and on PostgreSQL a transaction-level
advisory lock taken first. So a read-modify-write inside it (a scenario's
level and pass streak) never loses an update to a concurrent suite.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

#: How a PostgreSQL memory database is named on the command line.
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
#: The advisory lock every chaosbench writer of a PostgreSQL memory database takes: "cbmd" in ASCII.
_WRITERS_LOCK = int.from_bytes(b"cbmd", "big")
#: The table holding a PostgreSQL memory database's layout version.
LAYOUT_TABLE = "chaosbench_layout"


def is_postgres(location: str | Path) -> bool:
    """``location`` names a PostgreSQL database rather than a SQLite file."""
    return str(location).startswith(POSTGRES_SCHEMES)


class Backend(Protocol):
    """What the memory database needs of the engine holding it."""

    @property
    def name(self) -> str | Path:
        """Names the database in messages: the SQLite file, or the PostgreSQL address without its password."""
    #: The column type of each schema type.
    types: dict[str, str]
    #: The type of an integer primary key, which numbers new rows itself.
    integer_key: str

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement (``?`` marks the parameters); the rows it returns, if any."""

    def columns(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run one query; its column names and rows."""

    def insert(self, sql: str, params: Sequence[Any], key: str | None) -> int:
        """Run an INSERT; the new row's integer ``key`` (SQLite: its rowid when the key is not an integer)."""

    def begin(self) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    @property
    def in_transaction(self) -> bool: ...

    def version(self) -> int:
        """The layout version stamped in the database (0 when never stamped)."""

    def set_version(self, version: int) -> None: ...

    def table_columns(self, table: str) -> set[str]:
        """The columns ``table`` has (none when it does not exist)."""

    def close(self) -> None: ...


class MemoryUnavailable(RuntimeError):
    """The memory database cannot be opened or written for a reason of the environment (a read-only folder, a
    full disk, a lock held too long, a server out of reach): exit 3, not bad input."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


#: Errors of a backend that are the environment's (a full disk, a lost server), not the input's.
ENVIRONMENT_ERRORS: tuple[type[BaseException], ...] = (sqlite3.OperationalError,)


class SqliteBackend:
    """A SQLite file, by the connection :func:`sim.difficulty.dbfile.open_memory_file` opened once it knew the
    file to be a chaosbench memory database."""

    types = {"integer": "INTEGER", "real": "REAL", "text": "TEXT", "boolean": "INTEGER", "json": "TEXT",
             "timestamp": "TEXT"}
    integer_key = "INTEGER"

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.name = path
        self._db = connection

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._db.execute(sql, list(params)).fetchall()

    def columns(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple[Any, ...]]]:
        cursor = self._db.execute(sql, list(params))
        return [column[0] for column in cursor.description], cursor.fetchall()

    def insert(self, sql: str, params: Sequence[Any], key: str | None) -> int:
        row = self._db.execute(sql, list(params)).lastrowid
        assert row is not None, "an INSERT sets the rowid"
        return row

    def begin(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self._db.execute("COMMIT")

    def rollback(self) -> None:
        self._db.execute("ROLLBACK")

    @property
    def in_transaction(self) -> bool:
        return self._db.in_transaction

    def version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def set_version(self, version: int) -> None:
        self._db.execute(f"PRAGMA user_version = {int(version)}")

    def table_columns(self, table: str) -> set[str]:
        return {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}

    def close(self) -> None:
        self._db.close()


class PostgresBackend:
    """A PostgreSQL database reached through psycopg 3 (``pip install 'chaosbench[postgres]'``; the caller makes
    sure it is installed)."""

    types = {"integer": "BIGINT", "real": "DOUBLE PRECISION", "text": "TEXT", "boolean": "BIGINT", "json": "TEXT",
             "timestamp": "TEXT"}
    integer_key = "BIGINT GENERATED BY DEFAULT AS IDENTITY"

    def __init__(self, address: str) -> None:
        import psycopg

        self.name = _without_password(address)
        try:
            self._db = psycopg.connect(address, autocommit=True, connect_timeout=30)
        except psycopg.Error as exc:
            raise MemoryUnavailable(self.name, f"cannot open the memory database: {_first_line(exc)}") from None
        self._idle = psycopg.pq.TransactionStatus.IDLE

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self._db.execute(_marks(sql), list(params))
        return cursor.fetchall() if cursor.description else []

    def columns(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple[Any, ...]]]:
        cursor = self._db.execute(_marks(sql), list(params))
        return [column.name for column in cursor.description or ()], cursor.fetchall()

    def insert(self, sql: str, params: Sequence[Any], key: str | None) -> int:
        if key is None:
            self._db.execute(_marks(sql), list(params))
            return 0
        row = self._db.execute(f"{_marks(sql)} RETURNING {key}", list(params)).fetchone()
        assert row is not None, "an INSERT ... RETURNING returns the row"
        return int(row[0])

    def begin(self) -> None:
        self._db.execute("BEGIN")
        self._db.execute("SELECT pg_advisory_xact_lock(%s)", [_WRITERS_LOCK])

    def commit(self) -> None:
        self._db.execute("COMMIT")

    def rollback(self) -> None:
        self._db.execute("ROLLBACK")

    @property
    def in_transaction(self) -> bool:
        return bool(self._db.info.transaction_status != self._idle)

    def version(self) -> int:
        if not self.table_columns(LAYOUT_TABLE):
            return 0
        rows = self.execute(f"SELECT version FROM {LAYOUT_TABLE}")
        return int(rows[0][0]) if rows else 0

    def set_version(self, version: int) -> None:
        self.execute(f"CREATE TABLE IF NOT EXISTS {LAYOUT_TABLE} (version BIGINT NOT NULL)")
        self.execute(f"DELETE FROM {LAYOUT_TABLE}")
        self.execute(f"INSERT INTO {LAYOUT_TABLE} (version) VALUES (?)", [int(version)])

    def table_columns(self, table: str) -> set[str]:
        return {row[0] for row in self.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = ?", [table])}

    def tables(self) -> list[str]:
        """The memory tables the database holds, in name order."""
        return [row[0] for row in self.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' AND table_name <> ? ORDER BY table_name", [LAYOUT_TABLE])]

    def close(self) -> None:
        self._db.close()


def _marks(sql: str) -> str:
    """SQLite's ``?`` parameter marks as psycopg's ``%s`` (no statement here holds a literal ``?`` or ``%``)."""
    return sql.replace("%", "%%").replace("?", "%s")


def _without_password(address: str) -> str:
    scheme, _, rest = address.partition("://")
    credentials, at, place = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}{at}{place}" if at else address


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def read_tables(address: str) -> dict[str, pd.DataFrame]:
    """Every memory table of the PostgreSQL database at ``address``, by name, read in one transaction."""
    backend = PostgresBackend(address)
    try:
        backend.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        tables = {}
        for name in backend.tables():
            columns, rows = backend.columns(f"SELECT * FROM {name}")
            tables[name] = pd.DataFrame.from_records(rows, columns=columns, coerce_float=True)
        backend.commit()
        return tables
    finally:
        backend.close()


def environment_errors() -> tuple[type[BaseException], ...]:
    """The backends' errors that say the database cannot be reached or written (exit 3)."""
    try:
        import psycopg
    except ImportError:
        return ENVIRONMENT_ERRORS
    return (*ENVIRONMENT_ERRORS, psycopg.OperationalError)
