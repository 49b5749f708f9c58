"""Sweeps: the run plan, executors that agree on every digest, resuming, the tidy table and its summary."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chaosbench.cli.main import main
from chaosbench.sim.parallel.executors import DaskExecutor, ExecutorUnavailable, PoolExecutor, SerialExecutor
from chaosbench.sim.scenario.overrides import parse_setting
from chaosbench.sim.sweep.parts import PartStore
from chaosbench.sim.sweep.sweeps import Sweep, execute, load_sweep, run_one
from tests.conftest import mmc_document

SHORT = {"duration": "120s", "warmup": "10s"}


def _sweep(write_scenario, seeds=(1, 2, 3), sets=("stack.htm.workers=4,5",), levels=(0,)):
    path = write_scenario(mmc_document(**SHORT))
    return load_sweep(path, [parse_setting(text) for text in sets], list(levels), list(seeds))


def test_set_values_are_read_as_yaml_scalars():
    assert parse_setting("workload.0.tasks.rate=5/s,8, 2.5 ,off") == (
        "workload.0.tasks.rate", [("5/s", "5/s"), (8, "8"), (2.5, "2.5"), (False, "off")])


@pytest.mark.parametrize("text", ["rate", "=1", "rate=", "rate=1,,2", "rate=[1, 2]"])
def test_a_malformed_set_is_refused(text):
    with pytest.raises(ValueError):
        parse_setting(text)


def test_the_plan_is_the_cartesian_product_of_settings_levels_and_seeds(write_scenario):
    path = write_scenario(mmc_document(**SHORT, difficulty={"scale": {"workload.0.tasks.rate": 1.1}}))
    sweep = load_sweep(path, [parse_setting("stack.htm.workers=4,5,6"), parse_setting("duration=100s,2m")],
                       [0, 2], [1, 2])
    runs = sweep.runs()
    assert len(runs) == 3 * 2 * 2 * 2
    assert len({run["key"] for run in runs}) == len(runs)
    assert runs[0]["overrides"] == [["stack.htm.workers", 4], ["duration", "100s"]]
    assert [(run["level"], run["seed"]) for run in runs[:4]] == [(0, 1), (0, 2), (2, 1), (2, 2)]


def test_a_set_override_changes_the_run(write_scenario):
    four, five = (run_one(spec) for spec in _sweep(write_scenario, seeds=(1,)).runs())
    assert four["setting"] == {"stack.htm.workers": 4} and five["setting"] == {"stack.htm.workers": 5}
    assert four["trace_digest"] != five["trace_digest"]
    assert five["probes"]["probe_sla_compliance"] >= four["probes"]["probe_sla_compliance"]


def test_a_bad_set_path_or_value_is_bad_input_naming_the_field(capsys, write_scenario, tmp_path):
    path = write_scenario(mmc_document(**SHORT))
    assert main(["sweep", str(path), "--seeds", "1:2", "--set", "stack.htm.wrokers=4",
                 "--out", str(tmp_path / "out")]) == 2
    assert "stack.htm.wrokers" in capsys.readouterr().err
    assert main(["sweep", str(path), "--seeds", "1:2", "--set", "workload.0.tasks.rate=fast",
                 "--out", str(tmp_path / "out")]) == 2
    assert "workload[0].tasks.rate" in capsys.readouterr().err
    assert main(["sweep", str(path), "--seeds", "1:2", "--set", "workload.3.tasks.rate=1",
                 "--out", str(tmp_path / "out")]) == 2
    assert "--set workload.3.tasks.rate: no list item '3'" in capsys.readouterr().err


def test_each_probe_has_its_column_by_id_and_its_bound_in_the_outcome(write_scenario, tmp_path):
    probes = [{"sla_compliance": {"priority": "critical", "min": 0.9}}, {"sla_compliance": {"min": 0.8}},
              {"latency": {"measure": "wait", "quantile": 0.99, "max": "30s"}}]
    path = write_scenario(mmc_document(**SHORT, steady_state=probes))
    outcome = execute(load_sweep(path, [], [0], [1, 2]), tmp_path / "out", SerialExecutor())
    columns = [column for column in outcome.table.columns if column.startswith("probe_")]
    assert columns == ["probe_sla_compliance[critical]", "probe_sla_compliance", "probe_latency[wait p99]"]
    assert outcome.probes["latency[wait p99]"]["bound"] == {"op": "<=", "value": 30.0, "unit": "s"}
    assert outcome.probes["sla_compliance[critical]"]["params"] == {"priority": "critical"}


def _digests(outcome) -> list[tuple]:
    table = outcome.table
    return list(zip(table["stack.htm.workers"], table["seed"], table["trace_digest"], strict=True))


def test_the_process_pool_gives_the_serial_digests(write_scenario, tmp_path):
    sweep = _sweep(write_scenario)
    serial = execute(sweep, tmp_path / "serial", SerialExecutor())
    pool = PoolExecutor(2)
    try:
        pooled = execute(sweep, tmp_path / "pool", pool)
    finally:
        pool.close()
    assert _digests(pooled) == _digests(serial)
    assert len(set(serial.table["trace_digest"])) == len(serial.table)


def test_a_dask_local_cluster_gives_the_serial_digests(write_scenario, tmp_path):
    sweep = _sweep(write_scenario)
    serial = execute(sweep, tmp_path / "serial", SerialExecutor())
    dask = DaskExecutor("local", 2, processes=True, key=lambda chunk: f"run-{chunk[0]['key']}")
    try:
        distributed = execute(sweep, tmp_path / "dask", dask)
    finally:
        dask.close()
    assert _digests(distributed) == _digests(serial)


class _Interrupted(Exception):
    pass


class _StopsAfter(SerialExecutor):
    """A serial executor that is interrupted after ``runs`` runs."""

    def __init__(self, runs: int) -> None:
        self.left = runs

    def run(self, work, items):
        for item, result in super().run(work, items):
            if self.left == 0:
                raise _Interrupted
            self.left -= 1
            yield item, result


def test_an_interrupted_sweep_resumes_from_the_runs_already_done(write_scenario, tmp_path):
    sweep = _sweep(write_scenario)
    with pytest.raises(_Interrupted):
        execute(sweep, tmp_path / "out", _StopsAfter(4))
    assert len(PartStore(tmp_path / "out").keys()) == 4
    resumed = execute(sweep, tmp_path / "out", SerialExecutor())
    assert (resumed.ran, resumed.skipped) == (2, 4)
    fresh = execute(sweep, tmp_path / "fresh", SerialExecutor())
    assert _digests(resumed) == _digests(fresh)


def test_a_changed_scenario_is_not_taken_for_a_finished_one(write_scenario, tmp_path):
    execute(_sweep(write_scenario), tmp_path / "out", SerialExecutor())
    path = write_scenario(mmc_document(**{**SHORT, "warmup": "20s"}))
    changed = load_sweep(path, [parse_setting("stack.htm.workers=4,5")], [0], [1, 2, 3])
    assert execute(changed, tmp_path / "out", SerialExecutor()).ran == 6


def test_the_tidy_table_and_summary(write_scenario, tmp_path):
    outcome = execute(_sweep(write_scenario), tmp_path / "out", SerialExecutor())
    table = pd.read_parquet(tmp_path / "out" / "results.parquet")
    assert list(table.columns[:7]) == ["stack.htm.workers", "level", "seed", "passed", "trace_digest",
                                       "probe_sla_compliance", "wall_time_s"]
    assert {"sim_time", "events_processed", "tasks_completed"} <= set(table.columns)
    assert len(table) == 6 and table["sim_time"].eq(120.0).all()
    summary = pd.read_parquet(tmp_path / "out" / "summary.parquet")
    row = summary[(summary["stack.htm.workers"] == 4) & (summary["metric"] == "probe_sla_compliance")].iloc[0]
    values = outcome.table[outcome.table["stack.htm.workers"] == 4]["probe_sla_compliance"]
    assert row["runs"] == 3 and row["mean"] == pytest.approx(values.mean())
    assert row["ci_low"] <= row["mean"] <= row["ci_high"] and row["interval"] == "student-t"


def test_a_sweep_over_four_seeds_that_all_pass_reports_an_exact_pass_rate_interval(capsys, write_scenario, tmp_path):
    path = write_scenario(mmc_document(**SHORT, steady_state=[{"throughput": {"min": "1/s"}}]))
    assert main(["sweep", str(path), "--seeds", "1:4", "--workers", "1", "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "pass rate 4/4" in printed and "95% CI [0.3976, 1] (clopper-pearson)" in printed
    about = json.loads((tmp_path / "out" / "sweep.json").read_text())
    (rate,) = [row for row in about["summary"] if row["metric"] == "passed"]
    assert rate["mean"] == 1.0 and rate["ci_low"] < 0.6 and rate["ci_high"] == 1.0
    assert about["name"] == "mmc_small" and about["probes"]["throughput"]["bound"]["op"] == ">="


def test_the_cli_prints_a_json_summary_and_every_failed_runs_reproduce_command(capsys, write_scenario, tmp_path):
    path = write_scenario(mmc_document(**SHORT, steady_state=[{"throughput": {"min": "100/s"}}]))
    status = main(["sweep", str(path), "--seeds", "1:2", "--set", "stack.htm.workers=4,6", "--workers", "1",
                   "--out", str(tmp_path / "out"), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 1 and report["counts"]["failed"] == 4
    assert f"chaosbench run {path} --seed 2 --level 0 --set stack.htm.workers=6" in report["reproduce"]
    assert {row["metric"] for row in report["summary"]} == {"probe_throughput", "passed"}


def test_the_cli_sweeps_on_a_dask_scheduler_by_address(capsys, write_scenario, tmp_path):
    distributed = pytest.importorskip("distributed")
    path = write_scenario(mmc_document(**SHORT))
    arguments = ["sweep", str(path), "--seeds", "1:2", "--set", "stack.htm.workers=4,5", "--json"]
    assert main([*arguments, "--workers", "1", "--out", str(tmp_path / "serial")]) == 0
    serial = json.loads(capsys.readouterr().out)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        assert main([*arguments, "--dask", cluster.scheduler_address, "--out", str(tmp_path / "dask")]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["runs"] == serial["counts"]["runs"] == 4
    digests = [pd.read_parquet(tmp_path / name / "results.parquet")["trace_digest"].tolist()
               for name in ("serial", "dask")]
    assert digests[0] == digests[1]


def test_an_unreachable_dask_scheduler_is_reported():
    pytest.importorskip("distributed")
    with pytest.raises(ExecutorUnavailable, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        DaskExecutor("tcp://127.0.0.1:9", 1, timeout="1s")


def test_a_run_that_cannot_be_carried_out_stops_the_sweep_as_bad_input(capsys, monkeypatch, write_scenario, tmp_path):
    from chaosbench.sim.scenario.loader import Problem, ScenarioError
    from chaosbench.sim.sweep import sweeps as sweep_module

    def refuse(scenario, **_):
        raise ScenarioError("x.yaml", [Problem("faults[0]", "fault 'meteor' cannot be injected")])

    monkeypatch.setattr(sweep_module, "run_scenario", refuse)
    path = write_scenario(mmc_document(**SHORT))
    assert main(["sweep", str(path), "--seeds", "1", "--workers", "1", "--out", str(tmp_path / "o")]) == 2
    assert "x.yaml: faults[0]: fault 'meteor' cannot be injected" in capsys.readouterr().err


def test_the_report_reader_finds_a_sweep_folder_and_its_two_settings(write_scenario, tmp_path):
    from chaosbench.reports.sweeps import find_sweeps

    path = write_scenario(mmc_document(**SHORT))
    assert main(["sweep", str(path), "--seeds", "1:2", "--set", "stack.htm.workers=4,5",
                 "--set", "workload.0.tasks.rate=3/s,3.2/s", "--workers", "1", "--out", str(tmp_path / "out"),
                 "--json"]) in (0, 1)
    (found,) = find_sweeps(tmp_path)
    assert found.settings == ["stack.htm.workers", "workload.0.tasks.rate"]
    assert found.axes() == ("stack.htm.workers", "workload.0.tasks.rate") and len(found.table) == 8


@given(workers=st.lists(st.integers(1, 9), min_size=1, max_size=3, unique=True),
       levels=st.lists(st.integers(0, 2), min_size=1, max_size=3, unique=True),
       first=st.integers(0, 50), count=st.integers(1, 4))
@settings(max_examples=25, deadline=None)
def test_every_combination_is_planned_once_with_a_distinct_key(workers, levels, first, count):
    document = mmc_document(**SHORT, difficulty={"scale": {"workload.0.tasks.rate": 1.01}, "max_level": 2})
    sweep = Sweep("f.yaml", document, (("stack.htm.workers", [(w, str(w)) for w in workers]),),
                  tuple(levels), tuple(range(first, first + count)))
    runs = sweep.runs()
    assert len(runs) == len(workers) * len(levels) * count
    assert len({run["key"] for run in runs}) == len(runs)
    assert {(run["overrides"][0][1], run["level"], run["seed"]) for run in runs} == {
        (w, level, seed) for w in workers for level in levels for seed in range(first, first + count)}


def test_a_part_write_that_fails_leaves_no_part_and_earlier_parts_intact(monkeypatch, tmp_path):
    store = PartStore(tmp_path)
    store.write({"key": "first", "passed": True})

    def fail(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("pathlib.Path.write_text", fail)
    with pytest.raises(OSError):
        store.write({"key": "second", "passed": True})
    monkeypatch.undo()
    assert store.keys() == {"first"} and store.read("first") == {"key": "first", "passed": True}
    assert sorted(path.name for path in (tmp_path / "parts").iterdir()) == ["first.json"]
