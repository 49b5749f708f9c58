"""Figures: drawn from results, left out (None) when their data is absent."""
from __future__ import annotations

import pandas as pd

from chaosbench.reports import figures, find_runs, load_memory, load_runs
from chaosbench.reports.content import checked_sla
from chaosbench.reports.figures import to_png
from chaosbench.reports.metrics import recovery_after_faults
from chaosbench.reports.sweeps import swept

PNG = b"\x89PNG\r\n\x1a\n"


def _drawn(figure) -> bytes:
    assert figure is not None
    png = to_png(figure)
    assert png.startswith(PNG) and len(png) > 5000
    return png


def test_queue_depth_shades_each_fault_window(results):
    run = next(r for r in find_runs(results) if r.scenario == "burst")
    figure = figures.queue_depth(run.table("timeseries"), run.table("faults"))
    axes = figure.axes[0]
    assert "fault: queue_flood" in axes.get_legend_handles_labels()[1]
    assert {"normal", "low", "critical"} <= set(axes.get_legend_handles_labels()[1])
    _drawn(figure)
    without = figures.queue_depth(run.table("timeseries"), None)
    assert not any(label.startswith("fault") for label in without.axes[0].get_legend_handles_labels()[1])


def test_each_fault_kind_is_named_once_in_the_legend():
    series = pd.DataFrame({"time": [float(t) for t in range(100)], "depth_normal": [1] * 100})
    faults = pd.DataFrame({"kind": ["worker_dropout", "worker_dropout", "queue_flood"],
                           "start": [10.0, 50.0, 70.0], "end": [20.0, None, 80.0]})
    axes = figures.queue_depth(series, faults).axes[0]
    labels = axes.get_legend_handles_labels()[1]
    assert labels.count("fault: worker_dropout") == 1 and labels.count("fault: queue_flood") == 1
    assert len(axes.patches) == 3


def test_latency_curves_of_many_tasks_are_drawn_through_quantiles():
    import numpy as np

    count = 50_000
    tasks = pd.DataFrame({"priority": ["high"] * count, "outcome": ["completed"] * count,
                          "enqueued_at": np.zeros(count), "started_at": np.zeros(count),
                          "finished_at": np.arange(1, count + 1, dtype=float)})
    line = figures.latency_distribution(tasks).axes[0].get_lines()[0]
    assert len(line.get_xdata()) <= 4000 and line.get_xdata()[-1] == count
    assert "n=50,000" in figures.latency_distribution(tasks).axes[0].get_legend_handles_labels()[1][0]


def test_long_series_are_thinned_keeping_their_peaks():
    series = pd.DataFrame({"time": range(100_000), "depth_normal": [0] * 99_999 + [50]})
    for column in ("depth_critical", "depth_high", "depth_low"):
        series[column] = 0
    figure = figures.queue_depth(series)
    line = figure.axes[0].get_lines()[0]
    assert len(line.get_xdata()) <= 4000 and max(line.get_ydata()) == 50


def test_latency_distribution_has_one_curve_per_priority_present(results):
    run = next(r for r in find_runs(results) if r.scenario == "burst")
    figure = figures.latency_distribution(run.table("tasks"))
    labels = figure.axes[0].get_legend_handles_labels()[1]
    assert [label.split()[0] for label in labels] == ["critical", "high", "normal", "low"]
    _drawn(figure)
    assert figures.latency_distribution(run.table("tasks").iloc[0:0]) is None


def test_summary_figures_are_drawn_from_the_runs_frame(results, memory_db):
    runs = load_runs(results)
    checked = checked_sla(find_runs(results))
    heat = figures.sla_compliance(checked)
    rows = [label.get_text() for label in heat.axes[0].get_yticklabels()]
    assert rows == ["burst  sla_compliance[critical]", "canary  all priorities (not probed)",
                    "mmc_small  sla_compliance"]
    _drawn(heat)
    recovery = figures.recovery_times(runs)
    assert [t.get_text() for t in recovery.axes[0].get_yticklabels()] == ["burst L0"]
    _drawn(recovery)
    _drawn(figures.ladder(load_memory(memory_db)["runs"]))


def test_figures_without_their_data_are_left_out():
    assert figures.queue_depth(pd.DataFrame()) is None
    assert figures.ladder(None) is None
    assert figures.ladder(pd.DataFrame({"scenario": ["a"], "level": [0]})) is None
    assert figures.safeguards(pd.DataFrame(columns=["scenario", "safeguard", "fired", "expected"])) is None


def test_a_queue_that_never_drains_has_no_recovery_time():
    series = pd.DataFrame({"time": [0.0, 1, 2, 3, 4], "depth_total": [0, 0, 5, 6, 7]})
    faults = pd.DataFrame({"kind": ["queue_flood"], "start": [2.0], "end": [3.0]})
    assert recovery_after_faults(series, faults) == float("inf")
    assert pd.isna(recovery_after_faults(series, faults.iloc[0:0]))
    series.loc[4, "depth_total"] = 0
    assert recovery_after_faults(series, faults) == 1.0


def test_two_parameters_varying_across_runs_make_a_sweep_heat_map(results, tmp_path):
    import json
    import shutil

    source = next(r for r in find_runs(results) if r.scenario == "mmc_small")
    for index, (rate, workers) in enumerate([(3.0, 4), (3.0, 5), (3.5, 4), (3.5, 5)]):
        target = tmp_path / f"run{index}"
        shutil.copytree(source.path, target)
        journal = json.loads((target / "journal.json").read_text())
        journal["parameters"]["workload"][0]["tasks"]["rate"] = rate
        journal["parameters"]["stack"]["htm"]["workers"] = workers
        journal["passed"] = workers == 5
        (target / "journal.json").write_text(json.dumps(journal))
    found = swept(find_runs(tmp_path))
    table, varying = found["mmc_small"]
    assert varying == ["stack.htm.workers", "workload.0.tasks.rate"]
    figure = figures.sweep_heatmap(table, varying[0], varying[1], "mmc_small")
    assert figure.axes[0].images[0].get_array().tolist() == [[0.0, 1.0], [0.0, 1.0]]
    _drawn(figure)
    assert swept(find_runs(results)) == {}


def _sweep_folder(folder, settings: dict[str, list], levels=(0,), seeds=(1, 2, 3)):
    """A ``chaosbench sweep`` output folder: results.parquet (setting columns, level, seed, passed...) and
    sweep.json."""
    import itertools
    import json

    rows = []
    for values in itertools.product(*settings.values(), levels, seeds):
        *setting, level, seed = values
        row = dict(zip(settings, setting, strict=True))
        passed = sum(float(v) for v in setting) + level < 8 or seed == 1
        row.update({"level": level, "seed": seed, "passed": passed, "trace_digest": f"d{seed}",
                    "probe_latency[wait p99]": 1.0 + seed, "wall_time_s": 0.1, "reproduce": "chaosbench run x.yaml"})
        rows.append(row)
    folder.mkdir(parents=True)
    pd.DataFrame(rows).to_parquet(folder / "results.parquet", index=False)
    probes = {"latency[wait p99]": {"kind": "latency", "params": {"measure": "wait", "quantile": 0.99}, "unit": "s",
                                    "bound": {"op": "<=", "value": 30.0, "unit": "s"}}}
    (folder / "sweep.json").write_text(json.dumps({"scenario": "scenarios/baseline/mmc.yaml", "name": "mmc",
                                                   "tags": [], "runs": len(rows), "probes": probes}))
    return folder


def test_sweep_folders_are_found_and_spread_over_their_two_settings(tmp_path):
    from chaosbench.reports.sweeps import find_sweeps

    _sweep_folder(tmp_path / "mmc" / "sweep", {"stack.htm.workers": [4, 5, 6], "workload.0.tasks.rate": [2.5, 3.5]})
    (sweep,) = find_sweeps(tmp_path)
    assert sweep.scenario == "mmc" and sweep.settings == ["stack.htm.workers", "workload.0.tasks.rate"]
    assert sweep.axes() == ("stack.htm.workers", "workload.0.tasks.rate")
    figure = figures.sweep_heatmap(sweep.table, *sweep.axes(), sweep.scenario)
    grid = figure.axes[0].images[0].get_array()
    assert grid.shape == (2, 3)
    assert grid[0, 0] == 1.0 and abs(grid[1, 2] - 1 / 3) < 1e-9  # 4 + 2.5 passes; 6 + 3.5 fails but for seed 1
    _drawn(figure)


def test_a_one_setting_sweep_spreads_over_its_levels_or_seeds(tmp_path):
    from chaosbench.reports.sweeps import find_sweeps

    _sweep_folder(tmp_path / "a", {"stack.htm.workers": [4, 6]}, levels=(0, 1, 2))
    _sweep_folder(tmp_path / "b", {"stack.htm.workers": [4, 6]})
    axes = [sweep.axes() for sweep in find_sweeps(tmp_path)]
    assert axes == [("stack.htm.workers", "level"), ("stack.htm.workers", "seed")]


def test_parameters_scaled_by_the_ladder_alone_are_not_a_sweep(results, tmp_path):
    import json
    import shutil

    source = next(r for r in find_runs(results) if r.scenario == "mmc_small")
    for level in range(4):
        target = tmp_path / f"level{level}"
        shutil.copytree(source.path, target)
        journal = json.loads((target / "journal.json").read_text())
        journal["level"] = level
        journal["parameters"]["workload"][0]["tasks"]["rate"] = 3.0 * 1.1 ** level
        journal["parameters"]["stack"]["htm"]["workers"] = 4 + level
        (target / "journal.json").write_text(json.dumps(journal))
    assert swept(find_runs(tmp_path)) == {}
