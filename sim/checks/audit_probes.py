"""Probes of the audit log's completeness: what the stack did that its hash-chained log must show.

Both read the ``audit`` table (the 5W1H narratives) of a finished run.
"""
from __future__ import annotations

import re

import pandas as pd

from chaosbench.orchestration.feedback import AUDIT_CHANGE
from chaosbench.orchestration.tasks.narratives import DISPATCH, NARRATOR
from chaosbench.sim.checks.probe_base import Bounded, Observed

#: What a dispatch narrative's ``what`` begins with, the task's id captured.
_DISPATCH = re.compile(f"^{re.escape(DISPATCH)}(\\d+) ")
#: The task columns the dispatch check reads.
_COLUMNS = ("task_id", "enqueued_at", "started_at", "priority")
#: The counters of critical-table changes a run flushed, one per table (``memory.critical_changes.<table>``).
_CHANGES = "memory.critical_changes."


def _audit(seen: Observed) -> pd.DataFrame:
    audit = seen.tables.get("audit") if seen.tables else None
    return audit if audit is not None else pd.DataFrame(columns=["who", "what", "where", "how"])


class UnauditedChanges(Bounded):
    """Changes to critical tables (flushed batches of updates or deletes) with no governance audit in the log.

    Per table, the batches the stack's memory writes flushed
    (``memory.critical_changes.<table>``) beyond the audit entries governance
    wrote for that table, summed over the tables; the whole run counts.
    """

    def observe(self, seen: Observed) -> float:
        audit = _audit(seen)
        audited = audit[audit["how"] == AUDIT_CHANGE]["where"].value_counts()
        missing = 0.0
        for name, changes in (seen.counts or {}).items():
            if name.startswith(_CHANGES):
                missing += max(0, changes - int(audited.get(name[len(_CHANGES):], 0)))
        return missing


class UnnarratedDispatches(Bounded):
    """Tasks enqueued after the warm-up that were dispatched with no dispatch narrative of theirs in the log.

    Design document 002 makes a 5W1H narrative mandatory for every dispatch:
    a task that started (``started_at`` set) counts here unless the audit log
    holds a dispatch narrative naming it.
    """

    def observe(self, seen: Observed) -> float:
        audit = _audit(seen)
        ids = audit[audit["who"] == NARRATOR]["what"].str.extract(_DISPATCH, expand=False).dropna()
        narrated = pd.Index(ids.astype("int64").unique())
        return float(seen.count_measured(None, lambda tasks: tasks["started_at"].notna()
                                         & ~tasks["task_id"].isin(narrated), _COLUMNS))
