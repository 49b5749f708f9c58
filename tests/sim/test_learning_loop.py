"""The learning loop pays across a chaos loop: playbook outcomes per signature in the memory database, the ranking
they give, and the time to heal falling over rounds."""
from __future__ import annotations

import json
import shlex
import sqlite3
from pathlib import Path

import pytest
import yaml

from chaosbench.cli.main import main
from chaosbench.sim.difficulty.memory import MemoryDB
from chaosbench.sim.difficulty.playbooks import learned_ranking, ranking_settings
from chaosbench.sim.difficulty.recording import record_run
from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.scenario.loader import load_scenario, read_yaml
from chaosbench.sim.scenario.model import Scenario
from tests.conftest import ROOT

from .effects_helpers import SLOW_CRASH_HEALING, TASKS, probe, run, scenario

CRASHES = ROOT / "scenarios" / "dirt" / "repeated_kernel_crashes.yaml"
ROUNDS = 6


def time_to_heal(journal: dict) -> float:
    counts = journal["counts"]
    return counts["immune.time_to_heal_ms"] / 1000 / counts["immune.incidents_healed"]


def loop_times(source: Path, tmp: Path) -> tuple[list[int], list[float]]:
    """``chaosbench loop SOURCE --rounds 6`` in its own database: each round's seed and mean time to heal."""
    db = tmp / "memory.sqlite"
    assert main(["loop", str(source), "--rounds", str(ROUNDS), "--db", str(db), "--out", str(tmp / "runs"),
                 "--json"]) in (0, 1)
    with MemoryDB(db) as memory:
        runs = memory.query("runs", order_by="round")
    journals = [json.loads((Path(run_dir) / "journal.json").read_text()) for run_dir in runs["run_dir"]]
    return list(runs["seed"]), [time_to_heal(journal) for journal in journals]


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


@pytest.mark.slow
def test_over_a_chaos_loop_the_time_to_heal_falls_and_beats_the_same_rounds_without_learning(tmp_path, capsys):
    document = read_yaml(CRASHES)
    off = tmp_path / "off" / "repeated_kernel_crashes.yaml"  # same name, so the same seed in every round
    off.parent.mkdir()
    off.write_text(yaml.safe_dump({**document, "stack": {**document["stack"], "learning": {"enabled": False}}}))
    seeds_on, learned = loop_times(CRASHES, tmp_path / "on")
    seeds_off, unlearned = loop_times(off, tmp_path / "off")
    capsys.readouterr()
    assert seeds_on == seeds_off
    first, last = learned[: ROUNDS // 2], learned[ROUNDS // 2:]
    assert mean(last) < mean(first)
    assert mean(last) < mean(unlearned[ROUNDS // 2:])
    assert mean(learned) < mean(unlearned)


def test_a_recorded_run_keeps_each_playbooks_outcomes_per_signature_and_they_rank_the_playbooks(tmp_path):
    crashes = load_scenario(CRASHES)
    result = run_scenario(crashes, seed=1, file=str(CRASHES))
    with MemoryDB(tmp_path / "m.sqlite") as db:
        record_run(db, result, crashes, when="2026-01-01T00:00:00+00:00")
        playbooks = db.query("memory_self_healing_playbooks").set_index("playbook_name")
        redeploy = playbooks.loc["redeploy_kernel"]
        outcomes = redeploy["signature_outcomes"]["kernel_down"]
        assert outcomes["runs"] == redeploy["total_runs"] and outcomes["successes"] == redeploy["successful_runs"]
        assert outcomes["seconds"] == pytest.approx(30.0 * outcomes["runs"])
        assert redeploy["avg_execution_time_ms"] == pytest.approx(30_000)
        assert learned_ranking(db) == {"kernel_down": ["redeploy_kernel"]}  # the restart never healed a crash
        assert ranking_settings(db, crashes) == [("stack.learning.ranking.kernel_down",
                                                  "redeploy_kernel restart_kernel")]
        # Nothing to pass on where learning is off, or where the learned order is the configured one already.
        quiet = crashes.model_copy(update={"stack": crashes.stack.model_copy(update={
            "learning": crashes.stack.learning.model_copy(update={"enabled": False})})})
        assert ranking_settings(db, quiet) == []
        ordered = Scenario.model_validate({**crashes.model_dump(by_alias=True), "stack": {
            "immune": {"playbooks": {"kernel_down": ["redeploy_kernel", "restart_kernel"]}}}})
        assert ranking_settings(db, ordered) == []


def test_a_loop_run_that_started_from_a_learned_ranking_is_reproduced_by_its_command(tmp_path, capsys):
    db, out = tmp_path / "m.sqlite", tmp_path / "runs"
    main(["loop", str(CRASHES), "--rounds", "2", "--db", str(db), "--out", str(out), "--json"])
    capsys.readouterr()
    with MemoryDB(db) as memory:
        second = memory.query("runs", where={"round": 1}).iloc[0]
    journal = json.loads((Path(second["run_dir"]) / "journal.json").read_text())
    command = shlex.split(journal["reproduce"])
    assert "stack.learning.ranking.kernel_down=redeploy_kernel restart_kernel" in command
    assert main([*command[1:], "--out", str(tmp_path / "again"), "--json"]) == (0 if journal["passed"] else 1)
    assert json.loads(capsys.readouterr().out)["journal"]["trace_digest"] == journal["trace_digest"]


def test_learning_off_is_a_real_switch_within_one_run():
    on = run_scenario(load_scenario(CRASHES), seed=1)
    document = read_yaml(CRASHES)
    off = Scenario.model_validate({**document, "stack": {**document["stack"], "learning": {"enabled": False}}})
    off_result = run_scenario(off, seed=1)
    assert time_to_heal(on.journal.to_json()) < time_to_heal(off_result.journal.to_json())
    tried_first = [result.tables["immune"]["playbook"].tolist()[-1] for result in (on, off_result)]
    assert tried_first == ["redeploy_kernel", "redeploy_kernel"]  # the healer, whichever came first
    assert off_result.tables["immune"]["playbook"].tolist().count("restart_kernel") > 1


def test_the_time_to_heal_probe_is_the_mean_over_healed_incidents_and_infinite_when_none_healed():
    crash = [{"at": "10s", "kernel_crash": {"kernel": "avn_core", "for": "40s"}}]
    stack = {"immune": {"durations": {"restart_kernel": 12}}, **SLOW_CRASH_HEALING}
    healed = run(scenario(workload=[TASKS], faults=crash, stack=stack, steady_state=[{"time_to_heal": {"max": "1m"}}]))
    assert probe(healed, "time_to_heal").value == pytest.approx(12.0)
    unhealed = run(scenario(workload=[TASKS], faults=crash, stack={"immune": {"enabled": False}},
                            steady_state=[{"time_to_heal": {"max": "1m"}}]))
    assert probe(unhealed, "time_to_heal").value == float("inf") and not unhealed.passed


def test_a_database_of_this_layout_version_gains_the_per_signature_outcomes_column_and_keeps_its_rows(tmp_path):
    path = tmp_path / "m.sqlite"
    with MemoryDB(path) as db:
        db.upsert("memory_self_healing_playbooks", {"playbook_name": "restart_kernel", "success_rate": 1.0,
                                                    "total_runs": 3, "successful_runs": 3})
    with sqlite3.connect(path) as connection:
        connection.execute("ALTER TABLE memory_self_healing_playbooks DROP COLUMN signature_outcomes")
    with MemoryDB(path) as db:
        row = db.get("memory_self_healing_playbooks", "restart_kernel")
    assert row is not None and row["total_runs"] == 3 and row["signature_outcomes"] is None


def test_the_learned_ranking_puts_the_higher_success_rate_first_then_the_quicker_attempt(tmp_path):
    def playbook(name: str, **outcomes: tuple[int, int, float]) -> dict:
        runs = sum(seen[0] for seen in outcomes.values())
        healed = sum(seen[1] for seen in outcomes.values())
        return {"playbook_name": name, "success_rate": healed / runs, "total_runs": runs, "successful_runs": healed,
                "signature_outcomes": {signature: {"runs": r, "successes": s, "seconds": t}
                                       for signature, (r, s, t) in outcomes.items()}}

    with MemoryDB(tmp_path / "m.sqlite") as db:
        db.upsert("memory_self_healing_playbooks", playbook("slow_half", kernel_down=(10, 5, 100.0),
                                                            queue_warn=(2, 2, 2.0)))
        db.upsert("memory_self_healing_playbooks", playbook("sure", kernel_down=(10, 9, 300.0)))
        db.upsert("memory_self_healing_playbooks", playbook("quick_half", kernel_down=(4, 2, 20.0)))
        db.upsert("memory_self_healing_playbooks", playbook("never", kernel_down=(3, 0, 3.0)))
        assert learned_ranking(db) == {"kernel_down": ["sure", "quick_half", "slow_half"], "queue_warn": ["slow_half"]}
