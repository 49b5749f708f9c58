"""The types of a run's tables as analysts expect them in pandas, given as a table becomes a frame.

Priorities are an ordered categorical in order of urgency (CRITICAL, HIGH,
NORMAL, LOW: sorting puts CRITICAL first, and ``priority <= "high"`` picks
CRITICAL and HIGH work), outcomes a categorical of every outcome a task can
end in, and flags booleans. Times stay simulated seconds since the run began
(floats). The types go with the tables into their Parquet files, so a run
directory reads back with them. The checks read the typed tables, whether
held in memory or streamed; the trace digest never depends on these types.

Importing this module chooses the allocator Arrow builds the frames' text
columns with (see :mod:`sim.run.arrow_memory`).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from chaosbench.orchestration.tasks.model import OUTCOMES, PRIORITY_LABELS
from chaosbench.sim.run.arrow_memory import choose_allocator

choose_allocator()

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


def typed_frame(name: str, columns: Mapping[str, Any]) -> pd.DataFrame:
    """The frame of table ``name`` from its ``columns`` (numpy arrays or lists of values), with the column types
    of :data:`COLUMN_TYPES` (an empty table keeps its columns as they are)."""
    types = COLUMN_TYPES.get(name, {})
    return pd.DataFrame({column: values if not len(values) or column not in types else _typed(values, types[column])
                         for column, values in columns.items()})


def _typed(values: Any, kind: pd.CategoricalDtype | str) -> Any:
    if isinstance(values, list) and kind != "bool":
        categorical = _categorical(values, kind)
        if categorical is not None:
            return categorical
    return pd.Series(values).astype(kind)


def _categorical(values: list[Any], kind: pd.CategoricalDtype | str) -> pd.Categorical | None:
    """``values``, strings, as a categorical of ``kind`` (all its values sorted for ``"category"``), or None
    when a value is no string or not of the categories: then pandas's own conversion decides.

    A long run's task table holds a few distinct strings in hundreds of thousands of rows: coding them by
    a dictionary of the distinct ones costs a fraction of pandas's conversion through a string column.
    """
    distinct = set(values)
    if not all(type(value) is str for value in distinct):
        return None
    dtype = kind if isinstance(kind, pd.CategoricalDtype) else pd.CategoricalDtype(sorted(distinct))
    code = {category: index for index, category in enumerate(dtype.categories)}
    if not distinct <= code.keys():
        return None
    return pd.Categorical.from_codes(np.fromiter(map(code.__getitem__, values), np.int32, len(values)), dtype=dtype)
