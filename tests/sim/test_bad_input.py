"""Bad scenario files: exit 2, one clear message naming the file and the field, no traceback."""
from __future__ import annotations

import subprocess
import sys

import pytest

from chaosbench.cli.main import main
from tests.conftest import ROOT, mmc_document


def _run(capsys, path) -> tuple[int, str]:
    status = main(["run", str(path), "--out", str(path.parent / "out")])
    return status, capsys.readouterr().err


def test_missing_file(capsys, tmp_path):
    status, err = _run(capsys, tmp_path / "nope.yaml")
    assert status == 2
    assert "nope.yaml: no such file" in err


def test_invalid_yaml_names_the_line(capsys, write_scenario):
    status, err = _run(capsys, write_scenario("name: x\nduration: [1, 2\n"))
    assert status == 2
    assert "scenario.yaml: line 3" in err and "invalid YAML" in err


def test_python_tag_is_refused_and_nothing_runs(capsys, write_scenario, tmp_path):
    marker = tmp_path / "ran"
    text = f"name: x\nduration: !!python/object/apply:os.system ['touch {marker}']\n"
    status, err = _run(capsys, write_scenario(text))
    assert status == 2
    assert "YAML tag" in err and "python/object/apply:os.system" in err
    assert not marker.exists()


def test_misspelled_key_gets_a_suggestion(capsys, write_scenario):
    document = mmc_document()
    document["workload"][0]["tasks"]["rtae"] = document["workload"][0]["tasks"].pop("rate")
    status, err = _run(capsys, write_scenario(document))
    assert status == 2
    assert "workload[0].tasks.rtae: unknown key 'rtae'; did you mean 'rate'?" in err


def test_wrong_type(capsys, write_scenario):
    status, err = _run(capsys, write_scenario(mmc_document(stack={"htm": {"workers": "many"}})))
    assert status == 2
    assert "stack.htm.workers: expected a valid integer" in err and "'many'" in err


@pytest.mark.parametrize("rate", ["-3/s", float("nan"), float("inf"), "1e400/s"])
def test_negative_or_non_finite_rate(capsys, write_scenario, rate):
    document = mmc_document()
    document["workload"][0]["tasks"]["rate"] = rate
    status, err = _run(capsys, write_scenario(document))
    assert status == 2
    assert "workload[0].tasks.rate: expected" in err


def test_unknown_unit(capsys, write_scenario):
    status, err = _run(capsys, write_scenario(mmc_document(duration="10 fortnights")))
    assert status == 2
    assert "duration: unknown unit 'fortnights'" in err


def test_unknown_priority_gets_a_suggestion(capsys, write_scenario):
    document = mmc_document()
    document["workload"][0]["tasks"]["priority_mix"] = {"critcal": 1.0}
    status, err = _run(capsys, write_scenario(document))
    assert status == 2
    assert "workload[0].tasks.priority_mix.critcal: unknown priority 'critcal'" in err
    assert "did you mean 'critical'?" in err


def test_fault_after_the_end(capsys, write_scenario):
    document = mmc_document(faults=[{"at": "20m", "worker_dropout": {"fraction": 0.5}}])
    status, err = _run(capsys, write_scenario(document))
    assert status == 2
    assert "faults[0].at: the fault starts at 1200s, at or after the end of the run (600s)" in err


def test_priority_mix_must_sum_to_one(capsys, write_scenario):
    document = mmc_document()
    document["workload"][0]["tasks"]["priority_mix"] = {"high": 0.5, "low": 0.4}
    status, err = _run(capsys, write_scenario(document))
    assert status == 2
    assert "priority_mix: expected weights summing to 1, got 0.9" in err


def test_every_problem_is_reported_at_once(capsys, write_scenario):
    document = mmc_document(duratoin="5m", expect_safeguards=["dedupe"])
    document["workload"][0]["tasks"]["rate"] = "0/s"
    path = write_scenario(document)
    status, err = _run(capsys, path)
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 3
    assert all(line.startswith(f"{path}:") for line in lines)


def test_scale_rule_on_a_missing_path(capsys, write_scenario):
    document = mmc_document(difficulty={"scale": {"workload.0.tasks.rat": 1.5}})
    status, err = _run(capsys, write_scenario(document))
    assert status == 2
    assert "difficulty.scale.workload.0.tasks.rat: the path 'workload.0.tasks.rat' does not exist" in err


def test_no_traceback_reaches_the_terminal(write_scenario):
    path = write_scenario("name: [unterminated\n")
    completed = subprocess.run([sys.executable, "-m", "chaosbench", "validate", str(path)],
                               capture_output=True, text=True, cwd=ROOT, check=False)
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert str(path) in completed.stderr


def test_a_failed_rerun_leaves_the_earlier_result_intact(capsys, write_scenario, tmp_path):
    out = tmp_path / "out"
    good = write_scenario(mmc_document(duration="120s", warmup="10s"), "good.yaml")
    assert main(["run", str(good), "--out", str(out)]) in (0, 1)
    before = (out / "journal.json").read_bytes()
    bad = write_scenario(mmc_document(duration="-1s"), "bad.yaml")
    assert main(["run", str(bad), "--out", str(out)]) == 2
    assert (out / "journal.json").read_bytes() == before


def test_unknown_fault_gets_a_suggestion(capsys, write_scenario):
    document = mmc_document(faults=[{"at": "60s", "worker_dropuot": {"fraction": 0.5}}])
    status, err = _run(capsys, write_scenario(document))
    assert status == 2
    assert "faults[0]: unknown fault 'worker_dropuot'; did you mean 'worker_dropout'?" in err


def test_misspelled_parameter_of_a_fault_or_probe_gets_a_suggestion(capsys, write_scenario):
    document = mmc_document(faults=[{"at": "60s", "worker_dropout": {"fractoin": 0.5}}],
                            steady_state=[{"latency": {"quantil": 0.9, "max": "2s"}}])
    status, err = _run(capsys, write_scenario(document))
    assert status == 2
    assert "faults[0].worker_dropout.fractoin: unknown key 'fractoin'; did you mean 'fraction'?" in err
    assert "steady_state[0].latency.quantil: unknown key 'quantil'; did you mean 'quantile'?" in err


def test_negative_fault_rate_names_the_fault_parameter(capsys, write_scenario):
    document = mmc_document(faults=[{"at": "60s", "trigger_storm": {"rate": "-5/s", "for": "10s"}}])
    status, err = _run(capsys, write_scenario(document))
    assert status == 2
    assert "faults[0].trigger_storm.rate: expected more than zero, got '-5/s'" in err


def test_a_fault_that_outlasts_the_run(capsys, write_scenario):
    document = mmc_document(faults=[{"at": "500s", "scheduler_pause": {"for": "5m"}}])
    status, err = _run(capsys, write_scenario(document))
    assert status == 2
    assert "faults[0].scheduler_pause: the fault ends at 800s, after the end of the run (600s)" in err


def test_stress_thresholds_out_of_order(capsys, write_scenario):
    status, err = _run(capsys, write_scenario(mmc_document(stack={"health": {"cpu_levels": [80, 70, 95]}})))
    assert status == 2
    assert "stack.health.cpu_levels" in err and "must not decrease" in err
