"""The memory database: history across runs, in SQLite, with tables defined by YAML schemas.

Schemas live in ``sim/schemas/*.yaml`` (one table each: its fields, types,
keys and indexes) and are validated before any table is created. Every write
goes through :meth:`MemoryDB.transaction`, so a process killed mid-write
leaves the database as it was before that transaction.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import Field, ValidationError, model_validator

from chaosbench.sim.scenario.loader import Problem, ScenarioError, problems_of, read_yaml
from chaosbench.sim.spec.fields import Model, suggest

DEFAULT_DB = Path(".chaosbench") / "memory.sqlite"

FieldType = Literal["integer", "real", "text", "boolean", "json", "timestamp"]
_SQL_TYPES = {"integer": "INTEGER", "real": "REAL", "text": "TEXT", "boolean": "INTEGER", "json": "TEXT",
              "timestamp": "TEXT"}
_IDENTIFIER = r"^[a-z][a-z0-9_]*$"


class FieldSchema(Model):
    """One column of a memory table."""

    name: str = Field(pattern=_IDENTIFIER)
    type: FieldType
    primary_key: bool = False
    required: bool = False
    choices: list[str] | None = None


class TableSchema(Model):
    """One memory table: its name, fields and indexes."""

    table: str = Field(pattern=_IDENTIFIER)
    description: str = ""
    fields: list[FieldSchema] = Field(min_length=1)
    indexes: list[list[str]] = []

    @model_validator(mode="after")
    def _consistent(self) -> TableSchema:
        names = [field.name for field in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"field names must be unique, got {names}")
        if sum(field.primary_key for field in self.fields) > 1:
            raise ValueError("at most one field may be the primary key")
        for index in self.indexes:
            for name in index:
                if name not in names:
                    raise ValueError(f"index on unknown field {name!r}{suggest(name, names)}")
        return self

    @property
    def key(self) -> str | None:
        return next((field.name for field in self.fields if field.primary_key), None)

    def create_sql(self) -> list[str]:
        columns = ", ".join(
            f"{field.name} {_SQL_TYPES[field.type]}"
            + (" PRIMARY KEY" if field.primary_key else "")
            + (" NOT NULL" if field.required and not field.primary_key else "")
            for field in self.fields
        )
        statements = [f"CREATE TABLE IF NOT EXISTS {self.table} ({columns})"]
        for index in self.indexes:
            name = f"ix_{self.table}_{'_'.join(index)}"
            statements.append(f"CREATE INDEX IF NOT EXISTS {name} ON {self.table} ({', '.join(index)})")
        return statements


def load_schemas(folder: str | Path | None = None) -> dict[str, TableSchema]:
    """Every table schema in ``folder`` (default: the ones shipped with chaosbench), by table name."""
    root = Path(folder) if folder is not None else Path(str(resources.files("chaosbench.sim.difficulty") / "schemas"))
    schemas: dict[str, TableSchema] = {}
    for path in sorted(root.glob("*.yaml")):
        document = read_yaml(path)
        try:
            schema = TableSchema.model_validate(document)
        except ValidationError as exc:
            raise ScenarioError(path, problems_of(exc, TableSchema)) from None
        if schema.table in schemas:
            raise ScenarioError(path, [Problem("table", f"table {schema.table!r} is defined twice")])
        schemas[schema.table] = schema
    return schemas


def wall_clock_now() -> str:
    """The current UTC time as ISO 8601, for records kept outside any simulated run."""
    return datetime.now(UTC).isoformat(timespec="seconds")


class MemoryDB:
    """A SQLite memory database holding the tables of ``schemas``."""

    def __init__(self, path: str | Path = DEFAULT_DB, schemas: dict[str, TableSchema] | None = None) -> None:
        self.path = Path(path)
        self.schemas = schemas if schemas is not None else load_schemas()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            with self.transaction():
                for schema in self.schemas.values():
                    for statement in schema.create_sql():
                        self._db.execute(statement)
        except sqlite3.DatabaseError as exc:
            raise ScenarioError(self.path, [Problem("", f"not a usable memory database: {exc}")]) from None

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
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def insert(self, table: str, row: dict[str, Any]) -> int:
        """Insert ``row``; returns its rowid."""
        schema = self._schema(table)
        values = self._encode(schema, row)
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        with self.transaction():
            cursor = self._db.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(values.values()))
        assert cursor.lastrowid is not None, "an INSERT sets the rowid"
        return cursor.lastrowid

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
        frame = pd.read_sql_query(sql, self._db, params=params)
        for field in schema.fields:
            if field.type == "json":
                frame[field.name] = frame[field.name].map(lambda text: None if text is None else json.loads(text))
            elif field.type == "boolean":
                frame[field.name] = frame[field.name].map(lambda value: None if value is None else bool(value))
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
