"""The ablation page: what each safeguard buys, drawn from the table ``chaosbench ablate`` writes.

It reads only the table (``ablation.parquet``: one row per scenario,
experiment and probe), never the runs, so a notebook's table renders the
same page.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

_TEMPLATES = Path(__file__).parent / "templates"


def render_ablation(table: pd.DataFrame, source: str) -> str:
    """The ablation ``table`` as one self-contained HTML page: per scenario, experiment x probe."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=True,
                                     undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    scenarios = [_scenario(str(name), rows) for name, rows in table.groupby("scenario", sort=False)]
    return environment.get_template("ablation.html.j2").render(source=source, scenarios=scenarios)


def _scenario(name: str, rows: pd.DataFrame) -> dict[str, Any]:
    experiments = []
    for experiment, probes in rows.groupby("experiment", sort=False):
        first = probes.iloc[0]
        experiments.append({
            "experiment": experiment, "expected": bool(first["expected"]), "mattered": bool(first["mattered"]),
            "passed": f"{first['experiment_passed']}/{first['runs']} ({first['control_passed']}/{first['runs']})",
            "cells": [cell(row.difference, row.ci_low, row.ci_high) for row in probes.itertuples(index=False)],
            "broken": first["invariants_broken"]})
    first_experiment = rows[rows["experiment"] == rows["experiment"].iloc[0]]
    return {"name": name, "rows": experiments,
            "probes": [f"{row.probe} {row.bound}" for row in first_experiment.itertuples(index=False)],
            "dead_weight": sorted({row.experiment for row in rows.itertuples(index=False)
                                   if row.expected and not row.mattered})}


def cell(mean: float, low: float, high: float) -> str:
    """``+2.5 [-3.85, +8.85]``: a paired difference and its interval; ``n/a`` when nothing was measured."""
    if math.isnan(mean):
        return "n/a"
    if math.isnan(low):
        return f"{mean:+.4g}"
    return f"{mean:+.4g} [{low:+.3g}, {high:+.3g}]"
