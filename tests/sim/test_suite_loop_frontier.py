"""Suites, the chaos loop and the frontier search, end to end on small scenarios."""
from __future__ import annotations

import json

import yaml

from chaosbench.cli.main import main
from chaosbench.sim.difficulty.batch import Target
from chaosbench.sim.difficulty.loop import plan_rounds
from chaosbench.sim.difficulty.memory import MemoryDB
from chaosbench.sim.scenario.model import Scenario
from tests.conftest import ROOT, mmc_document

FAST = dict(duration="300s", warmup="30s")


def _suite(tmp_path, *documents) -> str:
    names = []
    for document in documents:
        name = f"{document['name']}.yaml"
        (tmp_path / name).write_text(yaml.safe_dump(document))
        names.append(name)
    (tmp_path / "suite.yaml").write_text(yaml.safe_dump({"name": "s", "scenarios": names}))
    return str(tmp_path / "suite.yaml")


def _canary() -> dict:
    return mmc_document(name="canary_latency", **FAST,
                        steady_state=[{"latency": {"measure": "wait", "quantile": 0.99, "max": "1ms"}}])


def test_a_suite_of_passing_scenarios_exits_0_and_records_each_run(tmp_path, capsys):
    suite = _suite(tmp_path, mmc_document(name="a", **FAST), mmc_document(name="b", **FAST))
    db = tmp_path / "m.sqlite"
    assert main(["suite", suite, "--seeds", "2", "--out", str(tmp_path / "runs"), "--db", str(db)]) == 0
    with MemoryDB(db) as memory:
        assert len(memory.query("runs")) == 4
    assert "4 of 4 runs ok" in capsys.readouterr().out


def test_a_suite_whose_canary_fails_as_it_must_exits_0_and_report_agrees(tmp_path, capsys):
    suite = _suite(tmp_path, mmc_document(name="a", **FAST), _canary())
    assert main(["suite", suite, "--out", str(tmp_path / "runs"), "--no-db"]) == 0
    printed = capsys.readouterr().out
    assert "pass  canary_latency  0/1 seeds passed" in printed and "(canary: failed, as it must)" in printed
    assert "2 of 2 runs ok (1 canary run(s) failed, as they must)" in printed
    assert main(["report", str(tmp_path / "runs"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["expected_failures"] == 1


def test_a_canary_that_passes_fails_the_suite_with_its_reproduce_command(tmp_path, capsys):
    passing = mmc_document(name="canary_latency", **FAST)
    suite = _suite(tmp_path, mmc_document(name="a", **FAST), passing)
    assert main(["suite", suite, "--out", str(tmp_path / "runs"), "--no-db"]) == 1
    printed = capsys.readouterr().out
    assert "CANARY PASSED canary_latency seed 1: a canary must fail" in printed
    assert "reproduce: chaosbench run" in printed and "canary_latency.yaml --seed 1 --level 0" in printed
    assert main(["report", str(tmp_path / "runs"), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["counts"]["failed_runs"] == 1


def test_a_bad_file_in_a_suite_stops_it_before_anything_runs(tmp_path, capsys):
    suite = _suite(tmp_path, mmc_document(name="a", **FAST), mmc_document(name="b", duration="-1s"))
    assert main(["suite", suite, "--out", str(tmp_path / "runs"), "--no-db"]) == 2
    assert "b.yaml:1:1: duration" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()


def test_the_loop_escalates_after_five_passes_and_opens_work_orders(tmp_path, capsys):
    document = mmc_document(name="a", **FAST, expect_safeguards=["load_shedder"],
                            difficulty={"escalate_after": 5, "max_level": 3})
    suite = _suite(tmp_path, document)
    db = tmp_path / "m.sqlite"
    main(["loop", suite, "--rounds", "6", "--out", str(tmp_path / "runs"), "--db", str(db), "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert summary["ladder"]["a"] == {"level": 1, "streak": 1}
    assert summary["escalations"] == [{"round": 4, "scenario": "a", "to_level": 1}]
    with MemoryDB(db) as memory:
        orders = memory.query("memory_coding_work_orders")
        runs = memory.query("runs")
    assert len(orders) == 1 and orders.iloc[0]["occurrences"] == 6
    assert runs["level"].tolist() == [0, 0, 0, 0, 0, 1]
    assert runs["seed"].nunique() == 6


def test_days_follow_the_five_a_day_schedule_in_simulated_time():
    storm = Target("storm.yaml", Scenario.model_validate(mmc_document(
        name="storm", faults=[{"at": "60s", "trigger_storm": {"rate": "5000/s", "for": "30s"}}])))
    plain = Target("plain.yaml", Scenario.model_validate(mmc_document(name="plain")))
    rounds = plan_rounds([storm, plain], days=2)
    assert [r.when for r in rounds[:5]] == ["2026-01-01T02:00:00+00:00", "2026-01-01T08:00:00+00:00",
                                            "2026-01-01T12:00:00+00:00", "2026-01-01T18:00:00+00:00",
                                            "2026-01-01T23:00:00+00:00"]
    assert [[t.scenario.name for t in r.targets] for r in rounds[:5]] == [[], [], ["storm"], [], ["storm", "plain"]]
    assert len(rounds) == 10


def test_frontier_bisects_to_the_highest_level_passing_on_every_seed(write_scenario, capsys):
    # Each level adds load; the 99th percentile wait bound gives way between levels.
    document = mmc_document(name="ramp", **FAST,
                            steady_state=[{"latency": {"measure": "wait", "quantile": 0.9, "max": "3s"}}],
                            difficulty={"step": {"workload.0.tasks.rate": 0.1}, "max_level": 7})
    path = write_scenario(document)
    main(["frontier", str(path), "--seeds", "2", "--json"])
    result = json.loads(capsys.readouterr().out)
    tried = {int(level): passed for level, passed in result["tried"].items()}
    assert len(tried) <= 4  # bisection, not a walk over 8 levels
    assert result["first_failing"] == result["highest_passing"] + 1
    assert tried[result["first_failing"]] is False
    assert result["first_failing_runs"][0]["reproduce"].endswith(f"--level {result['first_failing']}")


def test_recording_a_suite_fills_the_playbook_governance_and_trigger_tables(tmp_path):
    root = ROOT / "scenarios"
    db = tmp_path / "m.sqlite"
    for name in ("dirt/critical_kernel_heartbeat_loss.yaml", "fit/acl_flood.yaml"):
        assert main(["suite", str(root / name), "--out", str(tmp_path / "runs"), "--db", str(db)]) == 0
    with MemoryDB(db) as memory:
        playbooks = memory.query("memory_self_healing_playbooks").set_index("playbook_name")
        decisions = memory.query("memory_governance_decisions")
        triggers = memory.query("memory_trigger_mesh").set_index("trigger_name")
    assert playbooks.loc["restart_kernel", "successful_runs"] >= 1
    assert playbooks.loc["restart_kernel", "success_rate"] == 1.0
    denied = decisions[decisions["decision_outcome"] == "denied"]
    assert denied["count"].sum() > 0 and set(denied["subject"]) == {"unauthorized requests"}
    assert triggers.loc["trust_degradation_review", "total_triggers"] > 0
