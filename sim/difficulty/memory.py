"""The memory database: history across runs, in a SQLite file or on PostgreSQL, with tables defined by YAML schemas.

The tables come from ``sim/difficulty/schemas/*.yaml`` (see
:mod:`sim.difficulty.schema`). A SQLite file is opened only once it is
known to be a chaosbench memory database (:mod:`sim.difficulty.dbfile`);
``postgresql://...`` names a PostgreSQL database holding the same tables
(:mod:`sim.store.backends`), which CI runners can share. Opening one
upgrades an older layout in place, in one transaction, and refuses a newer
one (see :mod:`sim.difficulty.migration`). Every write goes through
:meth:`MemoryDB.transaction`, which keeps every other writer out until it
ends, so a process killed mid-write leaves the database as it was before
that transaction and concurrent suites lose no update.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from chaosbench.sim.difficulty.dbfile import MemoryUnavailable, open_memory_file
from chaosbench.sim.difficulty.migration import upgrade
from chaosbench.sim.difficulty.schema import FieldSchema, TableSchema, load_schemas
from chaosbench.sim.spec.extras import require
from chaosbench.sim.spec.fields import suggest
from chaosbench.sim.store.backends import Backend, PostgresBackend, SqliteBackend, environment_errors, is_postgres

DEFAULT_DB = Path(".chaosbench") / "memory.sqlite"


class MemoryDB:
    """A memory database holding the tables of ``schemas``: ``path`` is a SQLite file or a
    ``postgresql://`` address."""

    def __init__(self, path: str | Path = DEFAULT_DB, schemas: dict[str, TableSchema] | None = None) -> None:
        self.schemas = schemas if schemas is not None else load_schemas()
        self._db = open_backend(path)
        self.path = self._db.name
        try:
            with self.transaction():
                upgrade(self._db, self.schemas, self.path)
        except BaseException:
            self._db.close()
            raise

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> MemoryDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all. Nested use joins the outer one."""
        if self._db.in_transaction:
            yield
            return
        try:
            self._db.begin()
            try:
                yield
            except BaseException:
                self._db.rollback()
                raise
            self._db.commit()
        except environment_errors() as exc:
            # A full disk, a read-only file, a lock held too long or a lost server: the environment's fault.
            raise MemoryUnavailable(self.path, f"cannot write the memory database: {exc}") from None

    def insert(self, table: str, row: dict[str, Any]) -> int:
        """Insert ``row``; returns its integer primary key (on SQLite, its rowid whatever the key)."""
        schema = self._schema(table)
        values = self._encode(schema, row)
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        with self.transaction():
            return self._db.insert(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(values.values()),
                                   schema.integer_key)

    def upsert(self, table: str, row: dict[str, Any]) -> None:
        """Insert ``row``, or update the given fields of the row with the same primary key."""
        schema = self._schema(table)
        if schema.key is None or schema.key not in row:
            raise ValueError(f"upsert into {table} needs its primary key {schema.key!r}")
        values = self._encode(schema, row)
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        updates = ", ".join(f"{name} = excluded.{name}" for name in values if name != schema.key)
        with self.transaction():
            self._db.execute(f"INSERT INTO {table} ({names}) VALUES ({marks}) "
                             f"ON CONFLICT({schema.key}) DO UPDATE SET {updates}", list(values.values()))

    def get(self, table: str, key: Any) -> dict[str, Any] | None:
        """The row of ``table`` whose primary key is ``key``, or None."""
        schema = self._schema(table)
        if schema.key is None:
            raise ValueError(f"{table} has no primary key to get a row by")
        frame = self.query(table, where={schema.key: key})
        return None if frame.empty else frame.iloc[0].to_dict()

    def query(self, table: str, where: dict[str, Any] | None = None, order_by: str | None = None,
              limit: int | None = None) -> pd.DataFrame:
        """Rows of ``table`` matching every ``where`` equality, as a DataFrame with JSON decoded."""
        schema = self._schema(table)
        known = {field.name: field for field in schema.fields}
        sql, params = f"SELECT * FROM {table}", []
        if where:
            for name in where:
                if name not in known:
                    raise ValueError(f"{table} has no field {name!r}{suggest(name, known)}")
            sql += " WHERE " + " AND ".join(f"{name} = ?" for name in where)
            params = [self._encode_value(known[name], value) for name, value in where.items()]
        if order_by:
            column = order_by.lstrip("-")
            if column not in known:
                raise ValueError(f"{table} has no field {column!r}{suggest(column, known)}")
            sql += f" ORDER BY {column} {'DESC' if order_by.startswith('-') else 'ASC'}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        frame = _frame(*self._db.columns(sql, params))
        # A NULL comes back as None or NaN depending on the column's other values: pd.isna catches both.
        for field in schema.fields:
            if field.type == "json":
                frame[field.name] = frame[field.name].map(lambda text: None if pd.isna(text) else json.loads(text))
            elif field.type == "boolean":
                frame[field.name] = frame[field.name].map(lambda value: None if pd.isna(value) else bool(value))
        return frame

    def _schema(self, table: str) -> TableSchema:
        schema = self.schemas.get(table)
        if schema is None:
            raise ValueError(f"no memory table {table!r}{suggest(table, self.schemas)}")
        return schema

    def _encode(self, schema: TableSchema, row: dict[str, Any]) -> dict[str, Any]:
        known = {field.name: field for field in schema.fields}
        for name in row:
            if name not in known:
                raise ValueError(f"{schema.table} has no field {name!r}{suggest(name, known)}")
        for field in schema.fields:
            if field.required and not field.primary_key and row.get(field.name) is None:
                raise ValueError(f"{schema.table}.{field.name} is required")
        return {name: self._encode_value(known[name], value) for name, value in row.items()}

    @staticmethod
    def _encode_value(field: FieldSchema, value: Any) -> Any:
        if value is None:
            return None
        if field.choices is not None and value not in field.choices:
            raise ValueError(f"{field.name} must be one of {', '.join(field.choices)}, got {value!r}")
        if field.type == "json":
            return json.dumps(value, sort_keys=True, default=str)
        if field.type == "boolean":
            return int(bool(value))
        return value


def _frame(columns: list[str], rows: list[tuple[object, ...]]) -> pd.DataFrame:
    """Query results as pandas reads them from SQL: numbers that look like floats made floats."""
    return pd.DataFrame.from_records(rows, columns=columns, coerce_float=True)


def open_backend(location: str | Path) -> Backend:
    """The backend of ``location``: a PostgreSQL address, or a SQLite file once it is known to be ours."""
    if is_postgres(location):
        require("psycopg", "postgres", "a PostgreSQL memory database (--db postgresql://...)")
        return PostgresBackend(str(location))
    return SqliteBackend(Path(location), open_memory_file(Path(location)))
