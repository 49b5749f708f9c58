"""Drills in the reports: each incident's response record, read from the ``incidents`` table of a drill's run.

The table has one row per incident (see ``sim.drills.records``); these
functions turn it into what people read: one line per incident saying when it
was detected and by what, where the stack routed it, when it healed against
its bound, and what it escalated to.
"""
from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

from chaosbench.reports.loading import RunRecord
from chaosbench.sim.run.layout import INCIDENTS

#: What a line about an incident says, in order.
HEADER = ("incident", "kind", "target", "detected", "detected by", "routed to", "healed", "bound", "escalations",
          "verdict")


def incident_lines(incidents: pd.DataFrame) -> list[tuple[str, ...]]:
    """One tuple of texts per incident, under :data:`HEADER`."""
    return [_line(row) for row in incidents.to_dict("records")]


def _line(row: dict[str, object]) -> tuple[str, ...]:
    detector = str(row["detector"])
    detected_by = f"{row['detected_by']} ({detector})" if detector else "-"
    routed = [str(row["rules"]), str(row["workflows"]),
              ", ".join(f"immune:{name}" for name in str(row["playbooks"]).split(", ") if name)]
    return (str(row["incident"]), str(row["kind"]), str(row["target"]), _after(row["time_to_detect"]),
            detected_by, ", ".join(part for part in routed if part) or "-",
            _after(row["time_to_heal"]), f"{_seconds(row['heal_within']):g}s", str(row["escalations"]) or "-",
            str(row["outcome"]))


def _seconds(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) else math.nan


def _after(seconds: object) -> str:
    value = _seconds(seconds)
    return "never" if math.isnan(value) else f"+{value:g}s"


def text_table(incidents: pd.DataFrame, *, aligned: bool = True) -> str:
    """The incidents as text: aligned columns for people, or tab-separated for programs; a header first."""
    rows = [HEADER, *incident_lines(incidents)]
    if not aligned:
        return "\n".join("\t".join(row) for row in rows)
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
                     for row in rows)


def drill_tables(runs: Iterable[RunRecord]) -> list[tuple[str, pd.DataFrame]]:
    """``(run label, incidents table)`` of every run that is a drill."""
    found = []
    for run in runs:
        table = run.table(INCIDENTS)
        if table is not None:
            found.append((run.label, table))
    return found
