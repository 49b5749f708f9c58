"""The ablation page, drawn from the table ``chaosbench ablate`` writes."""
from __future__ import annotations

import math

import pandas as pd

from chaosbench.reports.ablation import cell, render_ablation
from chaosbench.sim.sweep.ablation import COLUMNS


def row(experiment: str, probe: str, difference: float, *, expected: bool, flipped: int) -> dict:
    return {"scenario": "storm", "file": "storm.yaml", "experiment": experiment, "expected": expected, "runs": 3,
            "probe": probe, "bound": "<= 0", "seeds": 3, "control_mean": 0.0, "experiment_mean": difference,
            "difference": difference, "ci_low": difference - 1, "ci_high": difference + 1, "control_passed": 3,
            "experiment_passed": 3 - flipped, "flipped": flipped, "mattered": flipped > 0,
            "invariants_broken": "liveness" if flipped else ""}


def test_the_page_has_a_row_per_experiment_a_column_per_probe_and_names_the_dead_weight():
    table = pd.DataFrame([row("dedup", "duplicate_executions", 17.0, expected=True, flipped=3),
                          row("dedup", "latency", 0.5, expected=True, flipped=3),
                          row("rate_limiter", "duplicate_executions", 0.0, expected=True, flipped=0),
                          row("rate_limiter", "latency", 0.0, expected=True, flipped=0)], columns=list(COLUMNS))
    page = render_ablation(table, "storm.yaml")
    assert page.count("<tr") == 3 and "<th>duplicate_executions &lt;= 0</th><th>latency &lt;= 0</th>" in page
    assert '<tr class="cell-fail"><td>* dedup</td><td>0/3 (3/3)</td><td>+17 [+16, +18]</td>' in page
    assert "Dead weight (no seed failed without it): rate_limiter" in page


def test_a_cell_without_an_interval_shows_the_mean_alone():
    assert cell(math.inf, math.nan, math.nan) == "+inf" and cell(math.nan, math.nan, math.nan) == "n/a"
