"""Finding swept parameters: scenario parameters that differ between runs of one scenario."""
from __future__ import annotations

import pandas as pd

from .loading import RunRecord

#: Parameter paths that name or describe a scenario rather than set it.
_DESCRIPTIVE = ("name", "title", "description", "tags")


def flatten(document, prefix: str = "") -> dict[str, object]:
    """``{"workload.0.tasks.rate": 3.2, ...}``: every scalar leaf of a nested document by its dotted path."""
    if isinstance(document, dict):
        items = document.items()
    elif isinstance(document, list):
        items = enumerate(document)
    else:
        return {prefix: document}
    leaves: dict[str, object] = {}
    for key, value in items:
        leaves.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    return leaves


def swept(records: list[RunRecord]) -> dict[str, tuple[pd.DataFrame, list[str]]]:
    """Per scenario with two or more numeric parameters that vary between its runs: a frame of those
    parameters plus ``passed`` and ``seed`` (one row per run), and the varying parameter paths."""
    by_scenario: dict[str, list[RunRecord]] = {}
    for record in records:
        by_scenario.setdefault(record.scenario, []).append(record)
    found = {}
    for scenario, group in by_scenario.items():
        if len(group) < 4:
            continue
        rows = [flatten({k: v for k, v in r.parameters.items() if k not in _DESCRIPTIVE}) for r in group]
        frame = pd.DataFrame(rows)
        varying = [column for column in frame.columns
                   if pd.api.types.is_numeric_dtype(frame[column]) and frame[column].nunique(dropna=True) > 1]
        if len(varying) >= 2:
            table = frame[varying].copy()
            table["passed"] = [r.passed for r in group]
            table["seed"] = [r.seed for r in group]
            found[scenario] = (table, varying)
    return found
