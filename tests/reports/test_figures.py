"""Figures: drawn from results, left out (None) when their data is absent."""
from __future__ import annotations

import pandas as pd
import pytest

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


def _probe(kind: str, probe_id: str, op: str, bound: float, unit: str, **params):
    from chaosbench.sim.run.record import ProbeResult

    return ProbeResult(id=probe_id, kind=kind, params=params, value=0.0, unit=unit,
                       bound={"op": op, "value": bound, "unit": unit}, margin=bound, passed=True)


def test_an_instant_fault_is_a_marked_line_and_a_short_window_stays_visible():
    series = pd.DataFrame({"time": [float(t) for t in range(1000)], "depth_normal": [1] * 1000})
    faults = pd.DataFrame({"kind": ["worker_dropout", "scheduler_pause"], "start": [100.0, 500.0],
                           "end": [100.0, 501.0]})
    axes = figures.queue_depth(series, faults).axes[0]
    (window,) = axes.patches
    assert window.get_width() == pytest.approx(999 / 120)  # one second of a 1000 s run, widened to be seen
    instant = [line for line in axes.get_lines() if line.get_label() == "fault: worker_dropout"]
    assert len(instant) == 1 and list(instant[0].get_xdata()) == [100.0, 100.0]
    assert any(line.get_marker() == "v" for line in axes.get_lines())


def test_a_queue_that_stayed_empty_has_a_readable_axis_and_the_probe_bounds_are_drawn():
    series = pd.DataFrame({"time": [float(t) for t in range(100)], "depth_normal": [0] * 100, "depth_total": 0})
    faults = pd.DataFrame({"kind": ["queue_flood"], "start": [10.0], "end": [20.0]})
    axes = figures.queue_depth(series, faults, probes=(_probe("recovery_time", "recovery_time", "<=", 30.0, "s"),
                                                      )).axes[0]
    assert axes.get_ylim() == (0.0, 1.0)
    settled = [line for line in axes.get_lines() if "recovery_time <= 30s" in line.get_label()]
    assert list(settled[0].get_xdata()) == [50.0, 50.0]  # the last fault's end plus the bound
    depth = figures.queue_depth(series, None, probes=(_probe("max_queue_depth", "max_queue_depth", "<=", 50, "tasks"),
                                                      )).axes[0]
    assert depth.get_ylim()[1] > 50 and any(line.get_label() == "max_queue_depth <= 50 tasks"
                                            for line in depth.get_lines())


def test_the_latency_figure_shows_the_measure_its_probe_used_and_the_bound():
    import numpy as np

    tasks = pd.DataFrame({"priority": ["high", "normal"] * 50, "outcome": ["completed"] * 100,
                          "enqueued_at": np.zeros(100), "started_at": np.linspace(0.01, 5, 100),
                          "finished_at": np.linspace(1, 50, 100)})
    probe = _probe("latency", "latency[wait p99 high]", "<=", 2.0, "s", measure="wait", quantile=0.99,
                   priority="high")
    axes = figures.latency_distribution(tasks, measure="wait", probe=probe).axes[0]
    assert axes.get_xlabel().startswith("wait latency")
    bound = [line for line in axes.get_lines() if line.get_label() == "latency[wait p99 high] <= 2s"]
    assert list(bound[0].get_xdata()) == [2.0, 2.0]
    high, normal = (line for line in axes.get_lines() if line.get_label().startswith(("high", "normal")))
    assert high.get_alpha() in (None, 1.0) and normal.get_alpha() < 1  # the probed priority stands out
    assert max(high.get_xdata()) <= 5.0  # waits, not end-to-end times of up to 50 s


def test_a_recovery_chart_where_every_recovery_was_instant_still_has_an_axis_and_its_bounds():
    runs = pd.DataFrame({"scenario": ["a", "b"], "level": [0, 0], "recovery_time_s": [0.0, 0.0], "faults": [1, 1],
                         "sim_time": [300.0, 300.0]})
    axes = figures.recovery_times(runs, {"a": 60.0}).axes[0]
    assert axes.get_xlim()[1] >= 60.0
    assert "bound (recovery_time max)" in axes.get_legend_handles_labels()[1]


@pytest.fixture(scope="module")
def shipped_runs():
    import chaosbench
    from chaosbench.reports.loading import RunRecord
    from tests.conftest import ROOT

    files = {"message_loss": "jepsen/message_loss.yaml", "event_policy_cascade": "layer2/event_policy_cascade.yaml",
             "acl_flood": "fit/acl_flood.yaml", "htm_queue_flood": "layer2/htm_queue_flood.yaml"}
    return {name: RunRecord.held(chaosbench.run(ROOT / "scenarios" / file, seed=1)) for name, file in files.items()}


def test_each_fault_gets_the_figures_that_fit_it(shipped_runs):
    chosen = {name: set(figures.figures_for(run)) for name, run in shipped_runs.items()}
    assert "Event flow" in chosen["message_loss"] and "Event flow" not in chosen["htm_queue_flood"]
    assert "Policy cascades" in chosen["event_policy_cascade"] and "Policy cascades" not in chosen["message_loss"]
    assert "Refused or lost work" in chosen["acl_flood"]  # the intruders' denied requests
    assert all({"Queue depth", "Latency"} <= figures_of for figures_of in chosen.values())


def test_the_event_flow_shades_the_message_fault_and_the_latency_figure_follows_the_probe(shipped_runs):
    flow = figures.figures_for(shipped_runs["message_loss"])["Event flow"]
    counts, latency = flow.axes
    labels = counts.get_legend_handles_labels()[1]
    assert {"received", "routed to workflows", "fault: message_loss"} <= set(labels)
    assert latency.get_title() == "Workflow latency" and latency.get_lines()
    flood = figures.figures_for(shipped_runs["htm_queue_flood"])["Latency"].axes[0]
    assert flood.get_xlabel().startswith("wait latency")  # its probe is latency[wait p99 critical]
    cascades = figures.figures_for(shipped_runs["event_policy_cascade"])["Policy cascades"].axes[0]
    assert "cascade_depth_max <= 5 rules" in cascades.get_legend_handles_labels()[1]


def test_a_sweep_figure_draws_each_probe_against_a_setting_with_its_bound(tmp_path):
    from chaosbench.reports.sweeps import find_sweeps

    _sweep_folder(tmp_path / "s", {"stack.htm.workers": [4, 5, 6]})
    (sweep,) = find_sweeps(tmp_path)
    figure = figures.probe_trends(sweep.table, "stack.htm.workers", sweep.scenario, sweep.probes)
    latency, rate = (axes for axes in figure.axes if axes.get_visible())
    assert latency.get_title().startswith("latency[wait p99]") and rate.get_title().startswith("pass rate")
    assert "<= 30s" in latency.get_legend_handles_labels()[1]
    assert [tick.get_text() for tick in latency.get_xticklabels()] == ["4", "5", "6"]
    _drawn(figure)
