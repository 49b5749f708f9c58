"""Every default policy rule and trigger-mesh workflow decides a verdict in some shipped scenario.

For each part in :data:`DECISIVE`, its scenario passes on most of seeds 1-3
with everything on and fails on most of the same seeds with that part
switched off alone (``stack.policy.disabled`` or ``stack.workflows.disabled``).
A part whose action has no effect in the stack yet cannot decide anything; it
is listed in :data:`WITHOUT_EFFECT` with the kernel actions it calls, and the
test holds that those actions still change nothing (so an effect given to one
calls for its scenario here). The switched stack sections outside the
safeguard catalogue that publish what rules and workflows answer (the
monitors, the breach alerts, the heartbeat monitor, the immune kernel) are in
:data:`SECTIONS`, each with the scenario that fails without it. A rule that
only logs is listed in :data:`LOG_ONLY`: it matters only when a later rule
would take its events, and the test holds that no default rule does. Together the tables name every
rule of the default rules file and every workflow of the default workflows
file.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from chaosbench.orchestration.core.yamlfile import load_yaml
from chaosbench.orchestration.mesh.registry import default_workflow_path
from chaosbench.orchestration.policy.rules import default_rules_path
from chaosbench.orchestration.stack import Stack
from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.run.runtime import SimRuntime
from chaosbench.sim.scenario.loader import read_yaml
from chaosbench.sim.scenario.overrides import scenario_at
from tests.conftest import ROOT
from tests.sim.majority import holds_on_most

SEEDS = (1, 2, 3)
RULES = [rule["name"] for rule in load_yaml(default_rules_path())["rules"]]
WORKFLOWS = [workflow["name"] for workflow in load_yaml(default_workflow_path())["workflows"]]

#: (``policy`` or ``workflows``, name) -> the shipped scenario whose verdict it decides.
DECISIVE: dict[tuple[str, str], str] = {
    ("policy", "critical_error"): "defence/flaky_healer.yaml",
    ("policy", "api_error_batch"): "defence/learning_kernel_error_burst.yaml",
    ("policy", "security_incident"): "defence/intruder_quarantine.yaml",
    ("policy", "heartbeat_failure"): "defence/hung_core.yaml",
    ("policy", "dependency_drift"): "defence/unvalidated_mesh.yaml",
    ("policy", "resource_spike"): "defence/spike_relief.yaml",
    ("policy", "workload_saturation"): "defence/saturated_queue.yaml",
    ("policy", "sla_breach"): "defence/paged_operator.yaml",
    ("policy", "governance_violation"): "defence/revoked_client.yaml",
    ("workflows", "kernel_crash_response"): "defence/flaky_healer.yaml",
    ("workflows", "kpi_critical_healing"): "defence/hung_learning_kernel.yaml",
    ("workflows", "test_quality_critical_healing"): "defence/hung_hunter.yaml",
    ("workflows", "trust_degradation_review"): "defence/distrusted_clients.yaml",
}

#: (``policy`` or ``workflows``, name) -> the kernel actions it calls, none of which changes the stack yet.
WITHOUT_EFFECT: dict[tuple[str, str], tuple[str, ...]] = {
    ("workflows", "kpi_warning_adaptation"): ("learning_kernel.adapt_thresholds",),
    ("workflows", "test_quality_degraded_learning"): ("learning_kernel.record_pattern",),
    ("workflows", "test_quality_improvement_tracking"): ("learning_kernel.track_improvement",),
    ("workflows", "healing_recovery_metrics"): ("learning_kernel.update_metrics",),
    ("workflows", "db_critical_audit"): ("governance.audit_change",),
}

#: Rules that only log, which the default rules leave the only taker of their events.
LOG_ONLY: tuple[str, ...] = ("high_trust_log_only",)


#: Switched stack sections outside the safeguard catalogue that publish what the rules and workflows answer
#: (section -> the shipped scenario that fails without it): the monitors, the breach alerts, the heartbeat
#: monitor and the immune kernel.
SECTIONS: dict[str, str] = {
    "kpi": "defence/hung_learning_kernel.yaml",
    "test_quality": "defence/hung_hunter.yaml",
    "htm.breach_alerts": "defence/paged_operator.yaml",
    "heartbeat": "defence/hung_core.yaml",
    "immune": "dirt/repeated_kernel_crashes.yaml",
}


def _disabled(file: Path, part: tuple[str, str]) -> list[tuple[str, object]]:
    kind, name = part
    already = list(read_yaml(file).get("stack", {}).get(kind, {}).get("disabled", []))
    return [(f"stack.{kind}.disabled", [*already, name])]


def _passes(file: Path, seed: int, settings: list[tuple[str, object]]) -> bool:
    return run_scenario(scenario_at(read_yaml(file), settings, str(file), 0), seed=seed, file=str(file)).passed


def _most(outcome: bool, file: Path, settings: list[tuple[str, object]]) -> bool:
    """Whether the scenario's verdict is ``outcome`` (passed) on most of :data:`SEEDS` under ``settings``."""
    return holds_on_most(lambda seed: _passes(file, seed, settings) == outcome, SEEDS)


def test_every_default_rule_and_workflow_is_decisive_somewhere_or_listed_without_effect():
    parts = {("policy", name) for name in RULES} | {("workflows", name) for name in WORKFLOWS}
    listed = [*DECISIVE, *WITHOUT_EFFECT, *(("policy", name) for name in LOG_ONLY)]
    assert len(listed) == len(set(listed)), "a part is listed twice"
    assert set(listed) == parts, sorted(parts ^ set(listed))
    assert all((ROOT / "scenarios" / file).is_file() for file in DECISIVE.values())


def test_the_parts_listed_without_effect_call_only_kernel_actions_that_change_nothing():
    effects = Stack(SimRuntime(1)).kernels.effects
    assert all(targets for targets in WITHOUT_EFFECT.values())
    assert not {target for targets in WITHOUT_EFFECT.values() for target in targets} & set(effects)


def test_a_log_only_rule_is_the_only_default_rule_its_events_reach():
    rules = Stack(SimRuntime(1)).policy.rules
    for name in LOG_ONLY:
        rule = next(rule for rule in rules if rule.name == name)
        assert rule.actions == ("log_only",) and rule.priority == "none"
        others = [other.name for other in rules if other is not rule
                  for pattern in rule.patterns if other.matches(pattern)]
        assert not others, f"{others} would take the events of {name} without it: it needs a scenario in DECISIVE"


@pytest.mark.slow
@pytest.mark.parametrize("part", sorted(DECISIVE), ids=lambda part: part[1])
def test_a_part_decides_its_scenario(part: tuple[str, str]):
    file = ROOT / "scenarios" / DECISIVE[part]
    assert _most(True, file, []), f"{file.stem} fails on most of seeds {SEEDS} with everything on"
    assert _most(False, file, _disabled(file, part)), f"{file.stem} passes on most of seeds {SEEDS} without {part[1]}"


@pytest.mark.slow
@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_a_switched_section_outside_the_catalogue_decides_its_scenario(section: str):
    file = ROOT / "scenarios" / SECTIONS[section]
    assert _most(True, file, []), f"{file.stem} fails on most of seeds {SEEDS} with everything on"
    assert _most(False, file, [(f"stack.{section}.enabled", False)]), \
        f"{file.stem} passes on most of seeds {SEEDS} without stack.{section}"
