"""Every default policy rule and trigger-mesh workflow decides a verdict in some shipped scenario.

For each part in :data:`DECISIVE`, its scenario passes on most of seeds 1-3
with everything on and fails on most of the same seeds with that part
switched off alone (``stack.policy.disabled`` or ``stack.workflows.disabled``).
The rule that only logs (``high_trust_log_only``) decides its scenario by
taking high-trust events ahead of a broader rule that scenario adds after
the defaults. The switched stack sections outside the safeguard catalogue
that publish what rules and workflows answer (the monitors, the breach
alerts, the heartbeat monitor, the immune kernel), that the audit log
needs (the dispatch narratives) or that save work (context stacking) are in
:data:`SECTIONS`, each with the scenario that fails without it. Together the tables name every rule of the
default rules file and every workflow of the default workflows file.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from chaosbench.orchestration.core.yamlfile import load_yaml
from chaosbench.orchestration.mesh.registry import default_workflow_path
from chaosbench.orchestration.policy.rules import default_rules_path
from chaosbench.sim.run.runner import run_scenario
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
    ("workflows", "kpi_warning_adaptation"): "defence/late_low_work.yaml",
    ("workflows", "test_quality_degraded_learning"): "defence/slow_core.yaml",
    ("workflows", "test_quality_improvement_tracking"): "defence/recovered_learning_kernel.yaml",
    ("workflows", "healing_recovery_metrics"): "defence/relearned_crash_cure.yaml",
    ("workflows", "db_critical_audit"): "defence/audited_trust_changes.yaml",
    ("policy", "high_trust_log_only"): "defence/trusted_fleet.yaml",
}

#: Switched stack sections outside the safeguard catalogue that publish what the rules and workflows answer,
#: write what the audit log must hold or save work (section -> the shipped scenario that fails without it): the
#: monitors, the breach alerts, the heartbeat monitor, the immune kernel, the dispatch narratives and context
#: stacking.
SECTIONS: dict[str, str] = {
    "kpi": "defence/hung_learning_kernel.yaml",
    "test_quality": "defence/hung_hunter.yaml",
    "htm.breach_alerts": "defence/paged_operator.yaml",
    "heartbeat": "defence/hung_core.yaml",
    "immune": "dirt/repeated_kernel_crashes.yaml",
    "htm.narratives": "defence/narrated_dispatches.yaml",
    "htm.stacking": "defence/mixed_origins.yaml",
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


def test_every_default_rule_and_workflow_is_decisive_somewhere():
    parts = {("policy", name) for name in RULES} | {("workflows", name) for name in WORKFLOWS}
    assert set(DECISIVE) == parts, sorted(parts ^ set(DECISIVE))
    assert all((ROOT / "scenarios" / file).is_file() for file in DECISIVE.values())


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
