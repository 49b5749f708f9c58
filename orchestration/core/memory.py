"""The stack's writes to its memory tables, and the ``db.table_updated`` events they raise.

Components write rows as things happen (a workflow run goes to the execution
logs, a governance decision to the governance decisions, a trust change to
the trust scores). Writes are buffered and flushed every ``flush_interval``
seconds, as a database client batches them: each flush publishes one
``db.table_updated`` per table and operation, with the number of rows and
whether the table is one of the ``critical_tables`` whose changes governance
audits. Each flushed batch of updates or deletes of a critical table (a
change governance must audit) is counted as ``memory.critical_changes.<table>``.
"""
from __future__ import annotations

from pydantic import Field

from chaosbench.orchestration.core.sections import Section
from chaosbench.orchestration.core.wiring import Announce, Wiring

#: The operations on a critical table that change what it held, which governance audits.
AUDITED = ("update", "delete")


class MemoryConfig(Section):
    """Batching of the stack's memory writes."""

    flush_interval: float = Field(default=5.0, gt=0, le=3600, description="seconds between two flushes")
    critical_tables: tuple[str, ...] = Field(
        default=("governance_decisions", "trust_scores"), description="tables whose updates governance audits"
    )


class MemoryWriter:
    """Buffers writes and reports each flushed batch on the bus."""

    def __init__(self, wiring: Wiring, config: MemoryConfig, announce: Announce) -> None:
        self.env = wiring.env
        self.config = config
        self._count = wiring.recorder.count
        self._announce = announce
        self._critical = frozenset(config.critical_tables)
        self._pending: dict[tuple[str, str], int] = {}
        self.rows = 0

    def write(self, table: str, operation: str, rows: int = 1) -> None:
        """Write ``rows`` rows of ``table`` by ``operation`` (insert, update or delete)."""
        key = (table, operation)
        if not self._pending:
            timer = self.env.timeout(self.config.flush_interval)
            timer.callbacks.append(self._flush)
        self._pending[key] = self._pending.get(key, 0) + rows
        self.rows += rows

    def _flush(self, _timer: object) -> None:
        pending, self._pending = self._pending, {}
        for (table, operation), rows in sorted(pending.items()):
            self._count(f"memory.{table}.{operation}", rows)
            if table in self._critical and operation in AUDITED:
                self._count(f"memory.critical_changes.{table}")
            self._announce("db.table_updated", {"table": table, "operation": operation,
                                                "critical": table in self._critical, "rows": rows})
