"""``chaosbench explore``: search, shrinking, minimality, persistence, determinism, the CLI and the library call."""
from __future__ import annotations

import json

import pytest
from hypothesis import find, given, settings

from chaosbench.cli.main import main
from chaosbench.sim.checks.identity import margin
from chaosbench.sim.checks.probes import Latency, SlaCompliance
from chaosbench.sim.explore.search import _minimise, explore, probe_margin
from chaosbench.sim.explore.space import FaultSpace, Schedule, kind_of
from chaosbench.sim.faults import FAULTS
from chaosbench.sim.run.record import ProbeResult
from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.scenario.loader import ScenarioError, load_scenario, scenario_from_document


def weak_document(**explore) -> dict:
    """Two workers, every safeguard off, a 5 s SLA on critical work: a pause or a flood breaks it."""
    return {
        "name": "two_workers_tight_sla",
        "duration": "120s",
        "warmup": "10s",
        "settle": "60s",
        "stack": {"safeguards": "off", "htm": {"workers": 2}},
        "workload": [{"tasks": {"rate": "1/s", "service": {"exponential": "1s"},
                                "priority_mix": {"critical": 0.3, "normal": 0.7}, "sla": {"critical": "5s"}}}],
        "steady_state": [{"sla_compliance": {"priority": "critical", "min": 0.9}}],
        "explore": {"faults": ["worker_dropout", "scheduler_pause", "queue_flood"], **explore},
    }


def robust_document() -> dict:
    """Four workers at a quarter load with the default SLAs: short pauses and partial dropouts do not hurt."""
    return {
        "name": "four_workers_steady",
        "duration": "120s",
        "warmup": "10s",
        "stack": {"htm": {"workers": 4}},
        "workload": [{"tasks": {"rate": "1/s", "service": {"exponential": "1s"},
                                "priority_mix": {"critical": 0.2, "normal": 0.8}}}],
        "steady_state": [{"sla_compliance": {"priority": "critical", "min": 0.99}}, {"throughput": {"min": "0.5/s"}}],
        "explore": {"faults": ["worker_dropout", "scheduler_pause", "message_loss"],
                    "params": {"worker_dropout": {"fraction": {"min": 0.25, "max": 0.5},
                                                  "restart_after": {"min": "5s", "max": "30s"}},
                               "scheduler_pause": {"for": {"min": "1s", "max": "20s"}}}},
    }


@pytest.fixture(scope="module")
def weak_search(tmp_path_factory):
    """One search of the weak scenario, shared by the tests that read its result."""
    folder = tmp_path_factory.mktemp("explore")
    path = folder / "weak.yaml"
    import yaml

    path.write_text(yaml.safe_dump(weak_document(), sort_keys=False), encoding="utf-8")
    result = explore(path, budget=30, seed=0, out=folder / "weak_explored.yaml", database=None)
    return path, result


def test_explore_finds_a_failure_of_a_known_weakness_within_its_budget(weak_search):
    _, result = weak_search
    assert result.found
    assert result.tally.examples <= 30
    assert result.failed_checks()
    assert result.minimal.faults


def test_the_written_file_fails_with_chaosbench_run(weak_search, capsys):
    _, result = weak_search
    assert result.out.exists() and result.reproduce == f"chaosbench run {result.out} --seed {result.sim_seed}"
    written = load_scenario(result.out)
    assert written.name == "two_workers_tight_sla_explored" and written.explore is None
    assert [entry.name for entry in written.faults] == [kind_of(entry) for entry in result.minimal.faults]
    status = main(["run", str(result.out), "--seed", str(result.sim_seed), "--out", str(result.out.parent / "run")])
    assert status == 1
    assert "FAILED" in capsys.readouterr().out


def test_removing_any_one_fault_of_the_minimal_schedule_makes_the_run_pass(weak_search):
    _, result = weak_search
    document = result.document
    assert not run_scenario(scenario_from_document(document, "minimal"), seed=result.sim_seed).passed
    for index in range(len(document["faults"])):
        smaller = {**document, "faults": document["faults"][:index] + document["faults"][index + 1:]}
        assert run_scenario(scenario_from_document(smaller, "smaller"), seed=result.sim_seed).passed, index
    assert [removal["passed"] for removal in result.removals] == [True] * len(document["faults"])


def test_a_robust_scenario_reports_no_failure_and_the_examples_it_tried(write_scenario):
    result = explore(write_scenario(robust_document()), budget=15, seed=0, database=None)
    assert not result.found and result.minimal is None and result.out is None
    assert result.tally.examples == 15 and result.tally.failures == 0
    assert result.summary()["examples"] == 15


def test_the_same_seed_gives_the_same_result(write_scenario):
    path = write_scenario(weak_document())
    first, second = (explore(path, budget=20, seed=3, database=None).summary() for _ in range(2))
    other = explore(path, budget=20, seed=4, database=None).summary()
    for summary in (first, second, other):
        summary.pop("wall_time_s")
    assert first == second
    assert first["sim_seed"] != other["sim_seed"]


def test_a_failing_example_is_kept_and_replayed_first_by_the_next_search(write_scenario, tmp_path):
    path = write_scenario(weak_document())
    first = explore(path, budget=30, seed=0, database=tmp_path / "db")
    assert first.tally.examples > 1
    assert any((tmp_path / "db" / "two_workers_tight_sla").iterdir())
    again = explore(path, budget=30, seed=5, database=tmp_path / "db")
    assert again.tally.examples == 1  # the stored example fails straight away
    assert again.minimal == first.minimal


def test_explore_runs_as_a_library_call_on_a_scenario_model():
    scenario = scenario_from_document(weak_document(), "weak.yaml")
    result = explore(scenario, budget=30, seed=0, database=None)
    assert result.found and not result.journal.passed
    assert result.document["name"] == "two_workers_tight_sla_explored"


def test_explorable_knobs_are_searched_and_written_into_the_scenario(write_scenario):
    document = weak_document(faults=["message_loss"], knobs={"stack.htm.workers": [4, 1]})
    document["steady_state"] = [{"throughput": {"min": "1.5/s"}}]
    document["workload"][0]["tasks"]["rate"] = "2/s"
    result = explore(write_scenario(document), budget=20, seed=0, database=None)
    assert result.found and result.minimal.knobs == (("stack.htm.workers", 1),)
    assert result.minimal.faults == ()  # one worker cannot keep up with 2 tasks a second, fault or not
    assert result.document["stack"]["htm"]["workers"] == 1


def test_minimise_drops_faults_until_removing_any_one_passes():
    faults = tuple({"at": at, "scheduler_pause": {"for": 1}} for at in range(10, 15))
    needed = {10, 13}

    def passes(schedule: Schedule) -> bool:
        return not needed <= {entry["at"] for entry in schedule.faults}

    minimal, removals = _minimise(Schedule(faults), passes)
    assert [entry["at"] for entry in minimal.faults] == [10, 13]
    assert [(r["at"], r["passed"]) for r in removals] == [(10, True), (13, True)]


def _measured(kind: str, probe, value: float) -> ProbeResult:
    op, bound = probe.operator(), probe.threshold()
    return ProbeResult(id=kind, kind=kind, value=value, bound={"op": op, "value": bound},
                       margin=margin(op, value, bound), passed=probe.holds(value))


def test_a_probe_margin_is_the_distance_inside_its_bound_relative_to_the_bound():
    assert probe_margin(_measured("sla_compliance", SlaCompliance(min=0.9), 0.95)) == pytest.approx(0.05)
    assert probe_margin(_measured("sla_compliance", SlaCompliance(min=0.9), 0.8)) == pytest.approx(-0.1)
    assert probe_margin(_measured("latency", Latency(max="30s"), 15.0)) == pytest.approx(0.5)
    assert probe_margin(_measured("latency", Latency(max="30s"), float("inf"))) == -1e3


def _space(document: dict) -> FaultSpace:
    return FaultSpace(document, scenario_from_document(document, "space.yaml"), "space.yaml")


ALL_KINDS = _space(weak_document(faults=sorted(FAULTS), max_faults=len(FAULTS)))


@settings(max_examples=40, deadline=None)
@given(ALL_KINDS.strategy())
def test_every_drawn_schedule_is_a_valid_scenario_whose_faults_end_in_time(schedule):
    _, scenario = ALL_KINDS.scenario_for(schedule, "drawn")
    for fault in scenario.faults:
        assert ALL_KINDS.starts.min <= fault.at and fault.at + fault.params.duration <= ALL_KINDS.ends_by
    assert [entry["at"] for entry in schedule.faults] == sorted(entry["at"] for entry in schedule.faults)


def test_the_swarm_draws_schedules_with_no_fault_and_with_every_kind():
    strategy = ALL_KINDS.strategy()
    assert find(strategy, lambda schedule: True).faults == ()
    every = find(strategy, lambda schedule: {kind_of(entry) for entry in schedule.faults} == set(FAULTS),
                 settings=settings(max_examples=2000, database=None))
    assert len(every.faults) == len(FAULTS)


@pytest.mark.parametrize("explore_section, field, words", [
    ({"faults": ["worker_dropuot"]}, "explore.faults", "did you mean 'worker_dropout'"),
    ({"params": {"scheduler_pause": {"fro": {"min": 1, "max": 2}}}}, "explore.params", "did you mean 'for'"),
    ({"params": {"worker_dropout": {"fraction": {"min": 0.5, "max": 2.0}}}}, "explore.params.worker_dropout",
     "high end"),
    ({"params": {"scheduler_pause": {"for": {"min": "200s", "max": "300s"}}}}, "explore.params.scheduler_pause.for",
     "ends after faults must end"),
    ({"knobs": {"stack.htm.workerz": [1, 2]}}, "explore.knobs.stack.htm.workerz", "unknown key"),
    ({"knobs": {"workload.3.tasks.rate": [1, 2]}}, "explore.knobs.workload.3.tasks.rate", "no list item"),
    ({"starts": {"min": 5, "max": 1}}, "explore.starts", "at most max"),
])
def test_a_bad_explore_section_names_the_field_and_what_was_expected(write_scenario, explore_section, field, words):
    document = weak_document()
    document["explore"] = explore_section
    with pytest.raises(ScenarioError) as caught:
        explore(write_scenario(document), budget=1, database=None)
    text = caught.value.render()
    assert field in text and words in text, text


def test_the_command_prints_only_json_and_exits_1_on_a_failure(write_scenario, tmp_path, capsys):
    path = write_scenario(weak_document())
    out = tmp_path / "found.yaml"
    status = main(["explore", str(path), "--budget", "30", "--json", "--out", str(out),
                   "--db", str(tmp_path / "db")])
    summary = json.loads(capsys.readouterr().out)
    assert status == 1 and out.exists()
    assert summary["found"] and summary["out"] == str(out)
    assert summary["reproduce"].endswith(f"--seed {summary['sim_seed']}")
    assert set(summary) >= {"counts", "minimal", "wall_time_s"} and summary["counts"]["failures"] >= 1


def test_the_command_exits_0_without_a_failure_and_2_on_bad_input(write_scenario, tmp_path, capsys):
    assert main(["explore", str(write_scenario(robust_document())), "--budget", "5", "--no-db"]) == 0
    assert "no failing schedule found" in capsys.readouterr().out
    assert main(["explore", str(tmp_path / "missing.yaml"), "--no-db"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_each_example_targets_the_margin_of_every_probe(write_scenario, monkeypatch):
    observed = []
    monkeypatch.setattr("chaosbench.sim.explore.search.target", lambda value, label: observed.append((label, value)))
    document = robust_document()
    explore(write_scenario(document), budget=5, seed=0, database=None)
    labels = {label for label, _ in observed}
    assert labels == {"0:sla_compliance", "1:throughput"}
    # target() maximises: a probe well inside its bound gives a negative observation
    assert all(value < 0 for label, value in observed if label == "1:throughput")
