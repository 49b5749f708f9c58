"""The event side as wired into the stack: publish, safeguard switches, faults through the bus."""
from __future__ import annotations

import pytest

from chaosbench.orchestration.config import StackConfig
from chaosbench.orchestration.core.errors import DefinitionError
from chaosbench.orchestration.stack import Stack
from chaosbench.sim.run.runtime import SimRuntime

CRITICAL = {"metric_name": "latency", "component_id": "db", "value": 2.0, "severity": "CRITICAL"}


#: The stack's own monitors stay quiet here, so that every event comes from the test.
QUIET = {"kpi": {"enabled": False}, "test_quality": {"enabled": False}, "boot": {"chunks": []}}


def run_stack(config: dict | None = None, until: float = 300.0, setup=None):
    rt = SimRuntime(1)
    stack = Stack(rt, StackConfig.model_validate({**QUIET, **(config or {})}))
    if setup is not None:
        setup(stack)
    rt.env.run(until=until)
    stack.close()
    return rt, stack


def test_the_stack_exposes_the_event_side_and_routes_a_published_event():
    rt, stack = run_stack(setup=lambda s: s.publish("kpi.threshold_breach", CRITICAL))
    assert {"bus", "registry", "router", "engine", "policy", "audit", "kernels"} <= set(vars(stack))
    assert stack.engine.completed == 1 and stack.audit.verify() is None
    # One mesh subscription per triggering event type (seven for the nine workflows), plus the
    # policy kernel, the immune kernel, the relief agents and the trust scorer (failed kernel calls).
    assert stack.bus.subscription_count == 11
    assert rt.recorder.counts["router.workflows_triggered"] == 1


def test_duplication_injected_on_the_bus_is_absorbed_by_dedup_and_not_without_it():
    def storm(stack):
        stack.bus.set_duplication(1.0)
        for _ in range(5):
            stack.publish("kpi.threshold_breach", CRITICAL)

    rt, stack = run_stack(setup=storm)
    # Follow-up events are duplicated too (the memory's table updates reach the mesh as well),
    # but only the five breaches could start a workflow.
    assert stack.bus.duplicated > 5 and stack.router.stats()["deduplicated"] >= 5 and stack.engine.started == 5
    rt, stack = run_stack({"router": {"dedup": {"enabled": False}}}, setup=storm)
    assert stack.router.stats()["deduplicated"] == 0 and stack.engine.started == 10


def _crash_and_storm(stack):
    stack.kernels.take_down("avn_core")
    for _ in range(150):
        stack.publish("kpi.threshold_breach", CRITICAL, source="m", id=1)


def test_a_crashed_kernel_is_healed_by_the_critical_error_rule_before_a_run_exhausts_its_retries():
    rt, stack = run_stack(setup=_crash_and_storm)
    assert stack.policy.fired["critical_error"] == 1 and stack.engine.started_by["kernel_crash_response"] == 1
    assert stack.kernels.is_up("avn_core") and rt.recorder.counts["safeguard.retry"] >= 1
    # The storm's one run and the crash response both complete once their retries find avn_core back.
    completed = stack.engine.completed_by
    assert completed["kpi_critical_healing"] == 1 and completed["kernel_crash_response"] == 1
    assert stack.engine.failed == 0 and not stack.engine.dead_letters


def test_safeguards_off_turns_every_event_side_safeguard_off():
    # Without the crash's self-healing, the storm's one run exhausts its retries and is dead-lettered.
    slow_healing = {"policy": {"disabled": ["critical_error"]}, "workflows": {"disabled": ["kernel_crash_response"]}}
    load = _crash_and_storm
    rt, on = run_stack(slow_healing, setup=load)
    fired_on = {k for k in rt.recorder.counts if k.startswith("safeguard.")}
    assert {"safeguard.dedup", "safeguard.retry", "safeguard.dead_letter"} <= fired_on
    rt, off = run_stack({"safeguards": "off", **slow_healing}, setup=load)
    assert not [k for k in rt.recorder.counts if k.startswith("safeguard.")]
    # Deduplicated to one run, dead-lettered while avn_core is down, and run
    # once more when the immune kernel restarts avn_core and replays it.
    assert off.engine.started_by["kpi_critical_healing"] == 150 and on.engine.started_by["kpi_critical_healing"] == 2
    assert len(off.engine.dead_letters) == 0


def test_safeguards_off_lets_a_policy_cascade_run_past_its_depth_limit(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules: [{name: echo, events: ['healing.*'], actions: [self_heal]}]\n")

    def cascade(stack):
        stack.publish("healing.action_taken", {"playbook": "p"})

    _, on = run_stack({"policy": {"rules_file": str(rules)}}, until=1.0, setup=cascade)
    _, off = run_stack({"safeguards": "off", "policy": {"rules_file": str(rules)}}, until=1.0, setup=cascade)
    assert on.policy.deepest == 5 and on.policy.cascades_broken == 1
    assert off.policy.deepest > 5 and off.policy.over_limit > 0 and off.policy.cascades_broken == 0


def test_a_workflow_swap_scheduled_in_the_configuration_happens_mid_run(tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text(
        "configuration: {rate_limiting: {enabled: false}}\n"
        "workflows:\n"
        "  - name: swapped\n"
        "    trigger: {event_type: kpi.threshold_breach}\n"
        "    actions: [{target: learning_kernel.record_pattern}]\n"
    )

    def publish_twice(stack):
        env = stack.runtime.env
        for t in (10.0, 100.0):
            env.timeout(t).callbacks.append(lambda _: stack.publish("kpi.threshold_breach", CRITICAL))

    rt, stack = run_stack({"workflows": {"swaps": [{"at": 50, "file": str(other)}]}}, setup=publish_twice)
    assert rt.recorder.frame("workflows")["workflow"].tolist() == ["kpi_critical_healing", "swapped"]


def test_a_bad_workflow_file_in_the_configuration_stops_the_stack_from_being_built(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("workflows: [{name: x, trigger: {event_type: nope.nope}, actions: [{target: hunter.alert}]}]\n")
    with pytest.raises(DefinitionError, match="unknown event type"):
        Stack(SimRuntime(1), StackConfig.model_validate({"workflows": {"file": str(bad)}}))
