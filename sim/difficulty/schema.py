"""The YAML schemas of the memory tables: one file per table, its fields, types, keys and indexes.

Schemas live in ``sim/difficulty/schemas/*.yaml`` and are validated before
any table is created; a bad file is reported with its path and field.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from chaosbench.sim.scenario.loader import Problem, ScenarioError, problems_of, read_yaml
from chaosbench.sim.spec.fields import Model, suggest

#: The layout version this code writes (see :mod:`sim.difficulty.migration`).
SCHEMA_VERSION = 1

FieldType = Literal["integer", "real", "text", "boolean", "json", "timestamp"]
_IDENTIFIER = r"^[a-z][a-z0-9_]*$"


class FieldSchema(Model):
    """One column of a memory table."""

    name: str = Field(pattern=_IDENTIFIER)
    type: FieldType
    primary_key: bool = False
    required: bool = False
    choices: list[str] | None = None

    def column_sql(self, types: dict[str, str], integer_key: str) -> str:
        """The column's definition in ``CREATE TABLE`` or ``ALTER TABLE ADD COLUMN``, in the database's ``types``
        (``integer_key``: the type of an integer primary key, which numbers new rows)."""
        kind = integer_key if self.primary_key and self.type == "integer" else types[self.type]
        return (f"{self.name} {kind}"
                + (" PRIMARY KEY" if self.primary_key else "")
                + (" NOT NULL" if self.required and not self.primary_key else ""))


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

    @property
    def integer_key(self) -> str | None:
        """The primary key when it is an integer, which the database assigns to a new row."""
        key = next((field for field in self.fields if field.primary_key), None)
        return key.name if key is not None and key.type == "integer" else None

    def create_sql(self, types: dict[str, str], integer_key: str) -> list[str]:
        """The statements that create the table and its indexes when they do not exist yet (see
        :meth:`FieldSchema.column_sql` for ``types`` and ``integer_key``)."""
        columns = ", ".join(field.column_sql(types, integer_key) for field in self.fields)
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
