"""The types of a run's tables as analysts expect them in pandas, given once the run is judged.

Priorities are an ordered categorical in order of urgency (CRITICAL, HIGH,
NORMAL, LOW: sorting puts CRITICAL first, and ``priority <= "high"`` picks
CRITICAL and HIGH work), outcomes a categorical of every outcome a task can
end in, and flags booleans. Times stay simulated seconds since the run began
(floats). The types go with the tables into their Parquet files, so a run
directory reads back with them. The run is judged on the tables as recorded;
the trace digest never depends on these types.
"""
from __future__ import annotations

import pandas as pd

from chaosbench.orchestration.tasks.model import OUTCOMES, PRIORITY_LABELS

#: Task priorities, most urgent first.
PRIORITY = pd.CategoricalDtype(list(PRIORITY_LABELS), ordered=True)
#: Every outcome a task can end a run in.
OUTCOME = pd.CategoricalDtype(list(OUTCOMES))

#: Each table's columns that get a type other than the one they were recorded in.
COLUMN_TYPES: dict[str, dict[str, pd.CategoricalDtype | str]] = {
    "tasks": {"priority": PRIORITY, "final_priority": PRIORITY, "outcome": OUTCOME, "kind": "category",
              "origin": "category", "approval": "category"},
    "workflows": {"outcome": "category"},
    "actions": {"outcome": "category"},
    "immune": {"outcome": "category"},
    "learning": {"resolved": "bool"},
    "boot": {"ok": "bool", "can_fail": "bool"},
    "faults": {"kind": "category"},
}


def typed(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame``, the table ``name`` of a run, with the column types of :data:`COLUMN_TYPES` (an empty table
    keeps its columns as they are)."""
    types = {column: kind for column, kind in COLUMN_TYPES.get(name, {}).items() if column in frame.columns}
    if frame.empty or not types:
        return frame
    return frame.astype(types)
