"""``chaosbench ablate``: the control against each safeguard off, on paired seeds."""
from __future__ import annotations

import json
import math

import pandas as pd
import pytest
import yaml

from chaosbench.cli.main import main
from chaosbench.sim.run.probe_result import Bound
from chaosbench.sim.sweep.ablation import ALL_OFF, COLUMNS, Observation, ablate, compare
from tests.conftest import ROOT
from tests.sim.test_safeguard_switches import NEEDS_REASSIGNMENT

WORKER_DROPOUT = str(ROOT / "scenarios" / "layer2" / "worker_dropout.yaml")

#: A dropout whose probes do not look at lost work: it passes with reassignment off as well.
SOFT_DROPOUT = {
    "name": "soft_dropout", "duration": "120s", "settle": "60s", "expect_safeguards": ["worker_reassignment"],
    "workload": [{"tasks": {"rate": "2/s", "service": {"exponential": "1s"},
                            "priority_mix": {"critical": 0.1, "high": 0.2, "normal": 0.7}}}],
    "faults": [{"at": "30s", "worker_dropout": {"fraction": 0.25}}],
    "steady_state": [{"sla_compliance": {"priority": "critical", "min": 0.9}},
                     {"sla_compliance": {"priority": "high", "min": 0.9}}, {"recovery_time": {"max": "60s"}}],
}


def observation(passed: bool, latency: float, depth: float, broken: tuple[str, ...] = ()) -> Observation:
    return Observation(passed, {"latency": latency, "max_queue_depth": depth},
                       {"latency": Bound(op="<=", value=30.0, unit="s"),
                        "max_queue_depth": Bound(op="<=", value=100.0, unit="tasks")},
                       broken, reproduce=f"run {latency}")


def test_the_difference_is_paired_seed_by_seed_with_a_student_t_interval():
    control = [observation(True, 10.0, 50.0), observation(True, 20.0, 60.0)]
    without = [observation(True, 13.0, 50.0), observation(False, 22.0, 160.0, ("liveness",))]
    latency, depth = compare("load_shedder", ["load_shedder"], True, control, without).probes
    # Differences 3 and 2: mean 2.5, standard error 0.5, t(0.975, 1 df) = 12.7062.
    assert (latency.control_mean, latency.experiment_mean, latency.difference) == (15.0, 17.5, 2.5)
    assert latency.ci_low == pytest.approx(2.5 - 12.7062 * 0.5, abs=1e-3)
    assert latency.ci_high == pytest.approx(2.5 + 12.7062 * 0.5, abs=1e-3)
    assert (depth.difference, depth.seeds, depth.op, depth.bound, depth.unit) == (50.0, 2, "<=", 100.0, "tasks")
    assert depth.bound_text == "<= 100 tasks"


def test_a_safeguard_matters_when_a_seed_that_passed_fails_without_it():
    control = [observation(True, 10.0, 50.0), observation(False, 40.0, 60.0)]
    without = [observation(False, 40.0, 50.0, ("liveness",)), observation(False, 45.0, 60.0)]
    comparison = compare("load_shedder", ["load_shedder"], True, control, without)
    assert (comparison.control_passed, comparison.experiment_passed, comparison.flipped) == (1, 0, 1)
    assert comparison.mattered and comparison.invariants_broken == ("liveness",)
    assert comparison.reproduce == ("run 40.0",)
    assert not compare("x", ["x"], True, control, control).mattered  # a seed failing in both is no flip


def test_a_seed_whose_probe_could_not_be_measured_is_left_out_of_the_pair():
    control = [observation(True, 10.0, 1.0), observation(True, math.nan, 1.0), observation(True, 30.0, 1.0)]
    without = [observation(True, 11.0, 1.0), observation(True, 12.0, 1.0), observation(True, 34.0, 1.0)]
    latency, _ = compare("x", ["x"], False, control, without).probes
    assert (latency.seeds, latency.difference) == (2, 2.5)


def test_ablate_runs_all_off_and_each_expected_safeguard_on_the_control_seeds(tmp_path):
    path = tmp_path / "needs.yaml"
    path.write_text(yaml.safe_dump(NEEDS_REASSIGNMENT), encoding="utf-8")
    ablation = ablate(path, [1, 2])
    assert [c.experiment for c in ablation.comparisons] == [ALL_OFF, "worker_reassignment"]
    reassignment = ablation.comparisons[1]
    assert (ablation.control_passed, reassignment.experiment_passed, reassignment.flipped) == (2, 0, 2)
    assert reassignment.probes[0].difference < 0 and ablation.dead_weight == []
    assert all("--without worker_reassignment" in command for command in reassignment.reproduce)


def test_with_every_fired_safeguard_ablate_also_turns_off_those_it_did_not_expect():
    ablation = ablate(WORKER_DROPOUT, [1], everything_fired=True)
    experiments = {c.experiment: c.expected for c in ablation.comparisons}
    assert experiments == {ALL_OFF: False, "worker_reassignment": True, "preemption": False}
    # The scenario checks SLA compliance on two priorities: each probe keeps its own id and row.
    assert [(probe.probe, probe.bound_text) for probe in ablation.comparisons[0].probes] == [
        ("sla_compliance[critical]", ">= 0.99"), ("sla_compliance[high]", ">= 0.99"), ("recovery_time", "<= 120s"),
        ("failed_tasks", "<= 0 tasks")]


def test_the_cli_exits_0_when_every_expected_safeguard_mattered_and_writes_the_table(capsys, tmp_path):
    path = tmp_path / "needs.yaml"
    path.write_text(yaml.safe_dump(NEEDS_REASSIGNMENT), encoding="utf-8")
    assert main(["ablate", str(path), "--seeds", "2", "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "* worker_reassignment  0/2" in printed and "sla_compliance >= 1" in printed
    assert "without worker_reassignment, a seed fails: chaosbench run" in printed
    table = pd.read_parquet(tmp_path / "out" / "ablation.parquet")
    assert tuple(table.columns) == COLUMNS
    assert table["experiment"].tolist() == [ALL_OFF, "worker_reassignment"]


def test_the_cli_exits_1_naming_an_expected_safeguard_that_flipped_no_seed(capsys, tmp_path):
    path = tmp_path / "soft.yaml"
    path.write_text(yaml.safe_dump(SOFT_DROPOUT), encoding="utf-8")
    assert main(["ablate", str(path), "--seeds", "2", "--json", "--out", str(tmp_path / "out")]) == 1
    report = json.loads(capsys.readouterr().out)  # only JSON on stdout
    assert report["ok"] is False and report["dead_weight"] == ["soft_dropout: worker_reassignment"]
    experiments = {e["experiment"]: e for e in report["scenarios"][0]["experiments"]}
    reassignment = experiments["worker_reassignment"]
    assert reassignment["without"] == ["worker_reassignment"] and reassignment["expected"] is True
    assert [probe["probe"] for probe in reassignment["probes"]] == ["sla_compliance[critical]",
                                                                   "sla_compliance[high]", "recovery_time"]
    assert all(probe["seeds"] == 2 for probe in reassignment["probes"])


def test_the_default_table_goes_below_runs_named_for_the_scenario(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    main(["ablate", WORKER_DROPOUT, "--seeds", "1", "--json"])
    assert json.loads(capsys.readouterr().out)["table"] == "runs/worker_dropout/ablation/ablation.parquet"


@pytest.mark.parametrize("arguments, message", [
    (["--seeds", "0"], "expected 1 or more"),
    (["--seeds", "two"], "expected a seed (a whole number"),
])
def test_a_bad_option_is_a_usage_error(capsys, arguments, message):
    with pytest.raises(SystemExit) as exit:
        main(["ablate", WORKER_DROPOUT, *arguments])
    assert exit.value.code == 2 and message in capsys.readouterr().err


def test_a_file_that_cannot_be_used_is_bad_input(capsys, tmp_path):
    assert main(["ablate", str(tmp_path / "missing.yaml")]) == 2
    assert "missing.yaml" in capsys.readouterr().err


def test_a_recovery_that_never_came_without_the_safeguard_is_an_infinite_difference():
    control = [observation(True, 10.0, 1.0), observation(True, math.inf, 1.0)]
    without = [observation(False, math.inf, 1.0), observation(False, math.inf, 1.0)]
    latency, _ = compare("x", ["x"], True, control, without).probes
    assert (latency.seeds, latency.difference, latency.experiment_mean) == (1, math.inf, math.inf)
    assert math.isnan(latency.ci_low) and math.isnan(latency.ci_high)


def test_the_cli_writes_the_report_of_its_table_as_report_shows_an_ablation_folder(capsys, tmp_path):
    path = tmp_path / "needs.yaml"
    path.write_text(yaml.safe_dump(NEEDS_REASSIGNMENT), encoding="utf-8")
    main(["ablate", str(path), "--seeds", "1", "--out", str(tmp_path / "out"), "--html", str(tmp_path / "a.html")])
    page = (tmp_path / "a.html").read_text()
    assert '<h3 id="ablation-needs_reassignment">needs_reassignment</h3>' in page and 'id="verdict"' in page
    assert main(["report", str(tmp_path / "out"), "--html", str(tmp_path / "r.html")]) == 0
    section = page[page.index('<details class="part" id="ablations"'):page.index("</details>", page.index(
        '<details class="part" id="ablations"'))]
    assert section in (tmp_path / "r.html").read_text()
