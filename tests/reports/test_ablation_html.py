"""An ablation's matrix in the report, drawn from the table ``chaosbench ablate`` writes."""
from __future__ import annotations

import math

import pandas as pd

from chaosbench.cli.main import main
from chaosbench.reports import build_report, write_reports
from chaosbench.sim.checks.intervals import estimate_text
from chaosbench.sim.sweep.ablation import COLUMNS


def row(experiment: str, probe: str, difference: float, *, expected: bool, flipped: int) -> dict:
    return {"scenario": "storm", "file": "storm.yaml", "experiment": experiment, "expected": expected, "runs": 3,
            "probe": probe, "op": "<=", "bound": 0.0, "unit": "", "seeds": 3, "control_mean": 0.0,
            "experiment_mean": difference,
            "difference": difference, "ci_low": difference - 1, "ci_high": difference + 1, "control_passed": 3,
            "experiment_passed": 3 - flipped, "flipped": flipped, "mattered": flipped > 0,
            "invariants_broken": ["liveness"] if flipped else []}


def _ablation_folder(tmp_path):
    table = pd.DataFrame([row("dedup", "duplicate_executions", 17.0, expected=True, flipped=3),
                          row("dedup", "latency[wait p99]", 0.5, expected=True, flipped=3),
                          row("rate_limiter", "duplicate_executions", 0.0, expected=True, flipped=0),
                          row("rate_limiter", "latency[wait p99]", 0.0, expected=True, flipped=0)],
                         columns=list(COLUMNS))
    folder = tmp_path / "runs" / "storm" / "ablation"
    folder.mkdir(parents=True)
    table.to_parquet(folder / "ablation.parquet", index=False)
    return folder


def test_the_report_of_an_ablation_folder_has_a_row_per_experiment_a_column_per_probe_and_the_dead_weight(tmp_path):
    folder = _ablation_folder(tmp_path)
    write_reports(tmp_path / "runs", html=tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    matrix = page[page.index('<table class="ablation-matrix">'):]
    matrix = matrix[:matrix.index("</table>")]
    assert matrix.count("<tr") == 3
    assert "<th>duplicate_executions &lt;= 0</th><th>latency[wait p99] &lt;= 0</th>" in matrix
    assert '<tr class="cell-fail"><td>* dedup</td><td>0/3 (3/3)</td><td>+17 [+16, +18]</td>' in matrix
    assert "Dead weight (no seed failed without it): rate_limiter" in page
    assert str(folder / "ablation.parquet") in page
    report = build_report(tmp_path / "runs", with_figures=False)
    assert report.dead_weight == ["storm: rate_limiter"] and not report.ok


def test_report_exits_1_on_dead_weight_as_ablate_does(tmp_path, capsys):
    _ablation_folder(tmp_path)
    assert main(["report", str(tmp_path / "runs"), "--html", str(tmp_path / "r.html")]) == 1
    assert "ablation: dead weight storm: rate_limiter" in capsys.readouterr().out


def test_a_cell_without_an_interval_shows_the_mean_alone():
    assert estimate_text(math.inf, math.nan, math.nan, signed=True) == "+inf"
    assert estimate_text(math.nan, math.nan, math.nan) == "n/a"
    assert estimate_text(2.5, -3.851, 8.851, signed=True) == "+2.5 [-3.85, +8.85]"
    assert estimate_text(3.0, 0.5157, 5.484) == "3 [0.516, 5.48]"
