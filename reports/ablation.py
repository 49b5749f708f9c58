"""Ablations in a report: the matrix of each ``ablation.parquet`` that ``chaosbench ablate`` wrote.

A report reads only the table (one row per scenario, experiment and probe),
never the runs, so an ablation folder given to ``chaosbench report`` and
``chaosbench ablate --html`` show the same section, and a notebook's table
renders it too.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from chaosbench.reports.loading import READ_ERRORS, Results, Unreadable, result_items
from chaosbench.sim.checks.identity import bound_text
from chaosbench.sim.checks.intervals import estimate_text

#: The table ``chaosbench ablate`` writes to its output folder.
ABLATION = "ablation.parquet"


@dataclass(frozen=True)
class AblationResult:
    """One ablation table and where it was read from."""

    path: Path
    table: pd.DataFrame

    def scenarios(self) -> list[dict[str, Any]]:
        """Per scenario: its name, the probe columns, one row per experiment, and the dead weight."""
        return [_scenario(str(name), rows) for name, rows in self.table.groupby("scenario", sort=False)]

    @property
    def dead_weight(self) -> list[str]:
        """``scenario: safeguard`` for each expected safeguard whose absence flipped no seed."""
        rows = self.table[self.table["expected"].astype(bool) & ~self.table["mattered"].astype(bool)]
        return list(dict.fromkeys(f"{row.scenario}: {row.experiment}" for row in rows.itertuples(index=False)))


def find_ablations(results: Results, *, skipped: list[Unreadable] | None = None) -> list[AblationResult]:
    """Every ``ablation.parquet`` of ``results``: a file named so, or one below a folder of ``results``; with
    ``skipped``, one that cannot be read is left out and added to it rather than raising."""
    found = []
    for item in result_items(results):
        if not isinstance(item, (str, Path)):
            continue
        root = Path(item)
        paths = [root] if root.is_file() and root.name == ABLATION else sorted(root.rglob(ABLATION)) \
            if root.is_dir() else []
        for path in paths:
            try:
                found.append(AblationResult(path, pd.read_parquet(path)))
            except READ_ERRORS as exc:
                if skipped is None:
                    raise
                skipped.append(Unreadable(path, f"the ablation table cannot be read: {exc}"))
    return found


def _scenario(name: str, rows: pd.DataFrame) -> dict[str, Any]:
    experiments = []
    for experiment, probes in rows.groupby("experiment", sort=False):
        first = probes.iloc[0]
        experiments.append({
            "experiment": experiment, "expected": bool(first["expected"]), "mattered": bool(first["mattered"]),
            "passed": f"{first['experiment_passed']}/{first['runs']} ({first['control_passed']}/{first['runs']})",
            "cells": [estimate_text(row.difference, row.ci_low, row.ci_high, signed=True)
                      for row in probes.itertuples(index=False)],
            "broken": ", ".join(first["invariants_broken"])})
    first_experiment = rows[rows["experiment"] == rows["experiment"].iloc[0]]
    return {"name": name, "rows": experiments,
            "probes": [f"{row.probe} {bound_text(row.op, row.bound, row.unit)}"
                       for row in first_experiment.itertuples(index=False)],
            "dead_weight": sorted({row.experiment for row in rows.itertuples(index=False)
                                   if row.expected and not row.mattered})}

