"""The memory database as pandas DataFrames, each column typed as its table's schema declares it.

SQLite keeps booleans as 0/1 and timestamps and JSON as text; here they come
back as booleans (pandas' nullable ``boolean``), UTC datetimes and Python
lists and dicts, and a text field with a fixed set of choices as a
categorical. The declarations are the memory tables' YAML schemas, read as
data (``sim/difficulty/schemas/``), so that reading the database runs
nothing of the testbench.
"""
from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from chaosbench.sim.spec.extras import require
from chaosbench.sim.store.backends import is_postgres, read_tables

#: Where the memory tables' schemas are shipped (read as data, never imported).
SCHEMAS = Path(__file__).parent.parent / "sim" / "difficulty" / "schemas"
#: The pandas type of each schema type.
PANDAS_TYPES = {"integer": "int64 (as SQLite stores it)", "real": "float64", "text": "string", "boolean": "boolean",
                "json": "object (lists and dicts)", "timestamp": "datetime (UTC)"}


@cache
def memory_fields() -> dict[str, dict[str, dict[str, Any]]]:
    """Each memory table's fields (``{name: {type, choices}}``), by table, as the shipped schemas declare them."""
    tables: dict[str, dict[str, dict[str, Any]]] = {}
    for path in sorted(SCHEMAS.glob("*.yaml")):
        schema = yaml.safe_load(path.read_text(encoding="utf-8"))
        tables[schema["table"]] = {field["name"]: field for field in schema["fields"]}
    return tables


def load_memory(db: str | Path) -> dict[str, pd.DataFrame]:
    """Every table of the memory database, by name, opened read-only and typed (see the module docstring);
    ``{}`` when there is no database.

    A file that is not a SQLite database raises ``sqlite3.DatabaseError`` naming it. A ``postgresql://``
    address is read through :func:`sim.store.backends.read_tables`.
    """
    if is_postgres(db):
        require("psycopg", "postgres", "a PostgreSQL memory database (--db postgresql://...)")
        return {name: typed_table(name, frame) for name, frame in read_tables(str(db)).items()}
    path = Path(db)
    if not path.is_file():
        return {}
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as connection:
            names = [row[0] for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
            return {name: typed_table(name, pd.read_sql(f'SELECT * FROM "{name}"', connection)) for name in names}
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError):
            raise
        raise sqlite3.DatabaseError(f"{path}: not a memory database that can be read ({exc})") from None


def typed_table(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame``, read from the memory table ``name``, with each declared column in its pandas type."""
    fields = memory_fields().get(name, {})
    frame = frame.copy()
    for column in frame.columns:
        field = fields.get(column)
        if field is not None:
            frame[column] = _typed_column(frame[column], field)
    return frame


def _typed_column(column: pd.Series, field: dict[str, Any]) -> pd.Series:
    kind = field["type"]
    if kind == "boolean":
        return column.astype("boolean")
    if kind == "timestamp":
        return pd.to_datetime(column, utc=True, errors="coerce", format="ISO8601")
    if kind == "json":
        return column.map(lambda text: json.loads(text) if isinstance(text, str) else text)
    if kind == "text" and field.get("choices"):
        return column.astype(pd.CategoricalDtype(field["choices"]))
    return column
