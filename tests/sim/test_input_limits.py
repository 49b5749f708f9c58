"""Numbers within their documented ranges, names that cannot leave a folder, ladders that stay valid, runs whose
cost is bounded, relative files read beside the scenario, and mappings whose order does not matter."""
from __future__ import annotations

import json
import shutil

import pytest
import yaml

from chaosbench.cli.main import main
from chaosbench.orchestration.mesh.registry import default_workflow_path
from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.scenario import budget
from chaosbench.sim.scenario.loader import ScenarioError, load_scenario, scenario_from_document
from tests.conftest import mmc_document


def _exit(argv: list[str]) -> int:
    """The exit status of the command line, usage errors (which argparse raises as SystemExit) included."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def _problems(document, capsys, write_scenario) -> str:
    assert main(["validate", str(write_scenario(document))]) == 2
    return capsys.readouterr().err


@pytest.mark.parametrize("name", ["mmc\n", "../../etc", "a/b", "a b", "Mmc", "-x", "é", "x" * 101, ""])
def test_a_name_that_could_not_be_a_folder_name_is_refused(name, capsys, write_scenario):
    assert "scenario.yaml:1:1: name: expected" in _problems(mmc_document(name=name), capsys, write_scenario)


def test_a_ladder_that_steps_into_an_invalid_level_is_refused_at_validation(capsys, write_scenario):
    document = mmc_document(duration="10s", warmup="0s",
                            difficulty={"scale": {"workload.0.tasks.rate": 1000}, "max_level": 5})
    err = _problems(document, capsys, write_scenario)
    assert ("workload[0].tasks.rate: at difficulty level 3 (of max_level 5): expected at most 1e+07, got 3200000000.0"
            in err)


def test_a_ladder_whose_values_overflow_is_refused(capsys, write_scenario):
    document = mmc_document(stack={"trust": {"recovery_per_s": 1e-300}},
                            difficulty={"scale": {"stack.trust.recovery_per_s": 1e200}, "max_level": 4})
    err = _problems(document, capsys, write_scenario)
    assert ("difficulty.scale.stack.trust.recovery_per_s: at level 2 the value 1e-300 overflows "
            "(x 1e+200 per level)") in err


def test_a_level_beyond_any_ladder_is_a_usage_error(capsys, write_scenario):
    assert _exit(["run", str(write_scenario(mmc_document())), "--level", "1" + "0" * 40]) == 2
    assert "expected at most 1,000" in capsys.readouterr().err


@pytest.mark.parametrize("number", [float("nan"), float("inf"), 10**400, "1e999"])
def test_numbers_that_are_not_finite_are_refused_everywhere(number, capsys, write_scenario):
    document = mmc_document(stack={"htm": {"workers": 4}, "health": {"smoothing": number}})
    assert "stack.health.smoothing: expected" in _problems(document, capsys, write_scenario)


def test_a_periodic_check_faster_than_the_horizon_allows_is_refused(capsys, write_scenario):
    document = mmc_document(duration="10d", warmup="0s", stack={"health": {"interval": 0.001}})
    err = _problems(document, capsys, write_scenario)
    assert "stack.health.interval: expected at least 0.0864s for a run of 864000s" in err
    assert "(at most 10,000,000 checks a run), got 0.001s" in err


def test_more_events_than_the_ceiling_are_refused_naming_the_limit(capsys, write_scenario):
    document = mmc_document(duration="30d")
    document["workload"][0]["tasks"]["rate"] = "1000/s"
    err = _problems(document, capsys, write_scenario)
    assert "duration: the workloads and faults over 2.592e+06s would cause about 7.78e+09" in err
    assert "at most 1e+08 are allowed" in err


def test_a_ten_million_task_run_is_within_the_limits():
    document = mmc_document(duration="100000s")
    document["workload"][0]["tasks"]["rate"] = "100/s"
    document["stack"]["htm"]["workers"] = 130
    scenario = scenario_from_document(document, "ten_million.yaml")
    assert budget.expected_arrivals(scenario) == pytest.approx(10_000_000)


def test_a_long_run_samples_more_coarsely_and_says_so(monkeypatch):
    monkeypatch.setattr(budget, "MAX_SAMPLES", 100)
    scenario = scenario_from_document(mmc_document(duration="600s", warmup="0s"), "long.yaml")
    result = run_scenario(scenario, seed=1)
    assert len(result.timeseries) == 100
    assert result.journal.aggregated["timeseries"] == ("sampled every 6s rather than every 1s: "
                                                       "a run keeps at most 100 samples")


def test_a_relative_workflow_file_is_read_beside_the_scenario_from_any_folder(tmp_path, monkeypatch):
    folder = tmp_path / "project" / "scenarios"
    folder.mkdir(parents=True)
    shutil.copy(default_workflow_path(), folder / "flows.yaml")
    document = mmc_document(duration="60s", warmup="0s", stack={"workflows": {"file": "flows.yaml"}},
                            workload=[{"events": {"rate": "5/s", "types": {"kpi.threshold_breach": 1.0}}}],
                            steady_state=[])
    path = folder / "events.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    digests = []
    for where in (folder, tmp_path):
        monkeypatch.chdir(where)
        scenario = load_scenario(path if where == tmp_path else "events.yaml")
        assert scenario.stack.workflows.file == str(folder / "flows.yaml")
        digests.append(run_scenario(scenario, seed=1).journal.trace_digest)
    assert digests[0] == digests[1]


def test_the_order_of_a_mapping_changes_no_digest():
    def stream(types, payload):
        return mmc_document(duration="60s", warmup="0s", steady_state=[], workload=[{"events": {
            "rate": "20/s", "types": types, "payloads": {"kpi.threshold_breach": payload}}}])

    written = stream({"kpi.threshold_breach": 0.5, "kpi.metric_updated": 0.5},
                     {"severity": {"choice": ["CRITICAL", "INFO"]}, "component_id": {"cycle": {"prefix": "s",
                                                                                                "count": 3}}})
    reordered = stream({"kpi.metric_updated": 0.5, "kpi.threshold_breach": 0.5},
                       {"component_id": {"cycle": {"prefix": "s", "count": 3}},
                        "severity": {"choice": ["CRITICAL", "INFO"]}})
    digests = {run_scenario(scenario_from_document(document, "s.yaml"), seed=3).journal.trace_digest
               for document in (written, reordered)}
    assert len(digests) == 1


def test_two_scenarios_of_one_name_in_a_suite_are_refused_before_any_run(tmp_path, capsys):
    for file in ("a.yaml", "b.yaml"):
        (tmp_path / "suite" / file).parent.mkdir(exist_ok=True)
        (tmp_path / "suite" / file).write_text(yaml.safe_dump(mmc_document(duration="30s", warmup="0s")))
    assert main(["suite", str(tmp_path / "suite"), "--out", str(tmp_path / "runs"), "--no-db"]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'suite' / 'b.yaml'}: name: 'mmc_small' is also the name of {tmp_path / 'suite' / 'a.yaml'}" \
        in err
    assert not (tmp_path / "runs").exists()


def test_a_suite_listing_one_file_twice_is_refused(tmp_path, write_scenario):
    write_scenario(mmc_document(duration="30s", warmup="0s"), "one.yaml")
    suite = write_scenario({"name": "twice", "scenarios": ["one.yaml", "one.yaml"]}, "suite.yaml")
    with pytest.raises(ScenarioError, match="the same file, listed twice"):
        __import__("chaosbench").suite(suite)


@pytest.mark.parametrize("arguments, message", [
    (["--seeds", "1:5000000"], "expected at most 100,000 seeds, got 5,000,000"),
    (["--seeds", "1:2", "--workers", "5000"], "--workers 5000: at most"),
    (["--seeds", "1:2", "--set", "stack.htm.workers=4,4"], "--set stack.htm.workers: a value is given twice"),
    (["--seeds", "1:400", "--set", "stack.htm.workers=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,"
                                   "24,25,26,27,28,29,30", "--levels", "0,1,2,3,4,5,6,7,8,9"],
     "the sweep would make 120,000 runs"),
])
def test_a_sweep_beyond_its_limits_is_refused_before_running(arguments, message, write_scenario, tmp_path, capsys):
    path = write_scenario(mmc_document(duration="30s", warmup="0s", difficulty={"max_level": 10}))
    assert _exit(["sweep", str(path), "--out", str(tmp_path / "sweep"), *arguments]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "sweep").exists()


def test_a_sweep_writes_only_to_a_folder_of_its_own(write_scenario, tmp_path, capsys):
    path = write_scenario(mmc_document(duration="30s", warmup="0s"))
    project = tmp_path / "project"
    project.mkdir()
    (project / "results.parquet").write_bytes(b"mine")
    (project / "notes.txt").write_text("mine")
    assert main(["sweep", str(path), "--seeds", "1:2", "--workers", "1", "--out", str(project)]) == 2
    assert "is a folder that is not a sweep's (notes.txt)" in capsys.readouterr().err
    assert (project / "results.parquet").read_bytes() == b"mine"
    assert main(["sweep", str(path), "--seeds", "1:2", "--workers", "1", "--out", str(tmp_path / "s"), "--json"]) == 0
    capsys.readouterr()
    assert main(["sweep", str(path), "--seeds", "1:3", "--workers", "1", "--out", str(tmp_path / "s"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["resumed"] == 2  # an earlier sweep's folder is resumed
