"""The stack as one system, seen from the shipped scenarios: faults alone set the loops going.

Across the fifteen default scenarios at level 0, seed 1, every default
policy rule fires and every trigger-mesh workflow starts from what the
stack itself publishes, SLA escalation fires, and every published payload
fits its schema. A boot whose production systems cannot start refuses the
work; under a resource siege, throttling and relief agents keep CRITICAL
work inside its SLA better than the same runs without them.
"""
from __future__ import annotations

import copy
from functools import cache

import pytest

from chaosbench.orchestration.core.yamlfile import load_yaml
from chaosbench.orchestration.mesh.registry import default_workflow_path
from chaosbench.orchestration.policy.rules import default_rules_path
from chaosbench.sim.difficulty.batch import resolve_targets
from chaosbench.sim.run.record import RunResult
from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.scenario.loader import read_yaml, scenario_from_document
from chaosbench.sim.scenario.overrides import scenario_at
from tests.conftest import ROOT

SCENARIOS = ROOT / "scenarios"
RULES = [rule["name"] for rule in load_yaml(default_rules_path())["rules"]]
WORKFLOWS = [workflow["name"] for workflow in load_yaml(default_workflow_path())["workflows"]]


@cache
def default_suite() -> tuple[RunResult, ...]:
    targets = resolve_targets(SCENARIOS / "suites" / "default.yaml")
    return tuple(run_scenario(t.scenario, seed=1, file=str(t.file)) for t in targets)


def _fired(prefix: str) -> set[str]:
    return {name.removeprefix(prefix) for run in default_suite()
            for name, count in run.journal.counts.counters.items() if name.startswith(prefix) and count}


def test_the_ten_default_rules_each_fire_in_some_default_scenario_from_its_faults_alone():
    assert len(RULES) == 10
    assert set(RULES) <= _fired("policy.fired."), sorted(set(RULES) - _fired("policy.fired."))


def test_the_nine_workflows_each_start_in_some_default_scenario_on_an_event_of_the_stack_itself():
    assert len(WORKFLOWS) == 9
    assert set(WORKFLOWS) <= _fired("engine.started."), sorted(set(WORKFLOWS) - _fired("engine.started."))
    # Workload streams and storms publish as clients and storm sources; the stack's components by name.
    started_by_the_stack = set()
    for run in default_suite():
        runs = run.tables["workflows"]
        if runs.empty:
            continue
        ours = runs[~runs["event_source"].astype(str).str.startswith(("client", "storm"))]
        started_by_the_stack |= set(ours["workflow"])
    assert set(WORKFLOWS) <= started_by_the_stack, sorted(set(WORKFLOWS) - started_by_the_stack)


def test_sla_escalation_fires_in_a_default_scenario():
    assert any(run.journal.safeguards.fired.get("sla_escalation") for run in default_suite())


def test_every_payload_the_stack_publishes_fits_its_schema():
    invalid = {run.journal.scenario: run.journal.counts.counter("bus.invalid") for run in default_suite()}
    assert not any(invalid.values()), invalid


def test_a_boot_whose_production_systems_cannot_start_refuses_the_work():
    document = read_yaml(SCENARIOS / "dirt" / "boot_failing_chunks.yaml")
    good = scenario_from_document(document, "boot_failing_chunks.yaml")
    broken = copy.deepcopy(document)
    chunk = next(c for c in broken["stack"]["boot"]["chunks"] if c["chunk_id"] == "production_systems")
    chunk.update(can_fail=False, fail_probability=1.0)
    broken_scenario = scenario_from_document(broken, "boot_failing_chunks.yaml")
    ran, failed = run_scenario(good, seed=1), run_scenario(broken_scenario, seed=1)
    assert ran.passed and not failed.passed
    completed = failed.journal.counts.tasks["completed"]
    assert completed < 0.1 * ran.journal.counts.tasks["completed"]
    assert failed.journal.counts.tasks["refused"] > 0


@pytest.mark.slow
def test_throttling_and_relief_keep_critical_work_within_its_sla_under_a_resource_siege():
    file = SCENARIOS / "fit" / "resource_siege.yaml"
    off = [("stack.htm.throttle.enabled", False), ("stack.pool.relief.enabled", False)]

    def critical(seed: int, settings: list[tuple[str, object]]) -> float:
        run = run_scenario(scenario_at(read_yaml(file), settings, str(file), 0), seed=seed, file=str(file))
        return next(p.value for p in run.journal.probes if p.id == "sla_compliance[critical]")

    better = sum(critical(seed, []) > critical(seed, off) for seed in range(1, 6))
    assert better >= 4
