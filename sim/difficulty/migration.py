"""The memory database's layout version, and the upgrade of an older database in place.

The version is SQLite's ``PRAGMA user_version`` (on PostgreSQL, the row of
``chaosbench_layout``: see :mod:`sim.store.backends`). Version 0 is every database
written before the layout had a version: the six memory tables of the first
layout beside ``runs`` and ``scenario_levels``, or an empty file. Version 1
holds the eighteen tables of design document 004 with the document's fields.

:func:`upgrade` brings a database of any older version to
:data:`SCHEMA_VERSION` by creating the tables it lacks and adding the
columns its tables lack, then stamps the version. A field added to a table
later without a new version (one that may be empty, such as the playbooks'
``signature_outcomes``) is added the same way to a database of this version. The caller runs it inside
one transaction, so a failed upgrade leaves the database as it was. A
database of a newer version is refused: this code would not know its tables.
"""
from __future__ import annotations

from pathlib import Path

from chaosbench.sim.difficulty.schema import SCHEMA_VERSION, TableSchema
from chaosbench.sim.scenario.loader import Problem, ScenarioError
from chaosbench.sim.store.backends import Backend


def upgrade(connection: Backend, schemas: dict[str, TableSchema], path: str | Path) -> int:
    """Bring the database to :data:`SCHEMA_VERSION`; returns the version it had.

    Must run inside a transaction the caller commits. Raises :class:`ScenarioError`
    naming ``path`` for a database of a newer version, or one whose table lacks a
    field that cannot be added to existing rows (a required one).
    """
    found = connection.version()
    if found > SCHEMA_VERSION:
        raise ScenarioError(path, [Problem("", (
            f"memory database layout version {found} is newer than this chaosbench writes "
            f"(version {SCHEMA_VERSION}); upgrade chaosbench or use another --db"))])
    for schema in schemas.values():
        existing = connection.table_columns(schema.table)
        if existing:
            _add_missing_columns(connection, schema, existing, path)
        for statement in schema.create_sql(connection.types, connection.integer_key):
            connection.execute(statement)
    if found != SCHEMA_VERSION:
        connection.set_version(SCHEMA_VERSION)
    return found


def _add_missing_columns(connection: Backend, schema: TableSchema, existing: set[str],
                         path: str | Path) -> None:
    for field in schema.fields:
        if field.name in existing:
            continue
        if field.required or field.primary_key:
            # Rows already there would have no value for it: such a column cannot be added.
            raise ScenarioError(path, [Problem(schema.table, (
                f"table {schema.table} lacks the required field {field.name!r}, which an upgrade "
                "cannot add to existing rows"))])
        connection.execute(f"ALTER TABLE {schema.table} ADD COLUMN "
                           f"{field.column_sql(connection.types, connection.integer_key)}")
