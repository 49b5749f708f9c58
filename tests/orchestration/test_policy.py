"""The event policy kernel: the ten rules, their actions, batching and the cascade breaker."""
from __future__ import annotations

import pytest

from chaosbench.orchestration.core.audit import AuditLog
from chaosbench.orchestration.core.errors import DefinitionError
from chaosbench.orchestration.core.wiring import Wiring
from chaosbench.orchestration.mesh.bus import EventBus
from chaosbench.orchestration.mesh.events import Event
from chaosbench.orchestration.mesh.kernels import Kernels
from chaosbench.orchestration.policy.kernel import EventPolicyKernel, PolicyConfig
from chaosbench.orchestration.policy.rules import load_rules
from chaosbench.orchestration.tasks.model import Priority
from chaosbench.sim.run.runtime import SimRuntime

from .events_helpers import SCHEMAS, fixed_kernels

TEN = [
    "critical_error", "security_incident", "heartbeat_failure", "api_error_batch", "resource_spike",
    "dependency_drift", "sla_breach", "high_trust_log_only", "workload_saturation", "governance_violation",
]


def policy(rules_text: str | None = None, breaker: bool = True, max_depth: int = 5):
    rt = SimRuntime(1)
    wiring = Wiring.of(rt, AuditLog(rt))
    bus = EventBus(wiring)
    tasks: list[tuple[str, Priority]] = []
    published: list[Event] = []
    rules = load_rules("rules.yaml", SCHEMAS, text=rules_text) if rules_text else None
    kernel = EventPolicyKernel(
        wiring, bus, Kernels(wiring, fixed_kernels(latency=0.1)), SCHEMAS,
        PolicyConfig(cascade_breaker={"max_depth": max_depth}),
        cascade_breaker=breaker, raise_task=lambda kind, priority, *rest: tasks.append((kind, priority)), rules=rules,
    )
    bus.subscribe("*", "policy", kernel.handle)
    bus.subscribe("*", "spy", published.append)
    return rt, bus, kernel, tasks, published


def test_the_ten_default_rules_load_in_order():
    _, _, kernel, _, _ = policy()
    assert [r.name for r in kernel.rules] == TEN


@pytest.mark.parametrize(
    "event_type, payload, rule, follow_ups, priority",
    [
        ("system.critical_error", {"component_id": "api", "error": "x"}, "critical_error",
         ["agent.hunter_alerted", "healing.action_taken"], Priority.CRITICAL),
        ("system.security_incident", {"component_id": "api", "kind": "intrusion"}, "security_incident",
         ["agent.hunter_alerted", "governance.escalation_requested"], Priority.CRITICAL),
        ("system.heartbeat_failed", {"component_id": "w1"}, "heartbeat_failure",
         ["healing.action_taken"], Priority.HIGH),
        ("system.resource_spike", {"resource": "cpu", "usage": 88.0}, "resource_spike",
         ["agent.spawn_requested"], Priority.HIGH),
        ("system.dependency_drift", {"dependency": "numpy"}, "dependency_drift",
         ["healing.action_taken"], Priority.NORMAL),
        ("task.sla_breach", {"task_id": 1, "priority": "high"}, "sla_breach",
         ["governance.escalation_requested"], Priority.CRITICAL),
        ("trust.score_updated", {"component_id": "a", "new_score": 0.95}, "high_trust_log_only", [], None),
        ("task.queue_saturated", {"depth": 6000}, "workload_saturation", ["agent.spawn_requested"], Priority.HIGH),
        ("governance.violation", {"component_id": "a", "policy": "p"}, "governance_violation",
         ["agent.main_routed"], Priority.HIGH),
    ],
)
def test_each_rule_runs_its_actions_and_raises_its_task(event_type, payload, rule, follow_ups, priority):
    rt, bus, kernel, tasks, published = policy()
    bus.publish(Event("client", 1, event_type, 0.0, payload))
    rt.env.run()
    assert kernel.fired == {rule: 1}
    assert [e.type for e in published[1:]] == follow_ups
    assert all(e.depth == 1 for e in published[1:])
    assert tasks == ([(rule, priority)] if priority is not None else [])
    (entry,) = kernel.audit.query(actor="event_policy_kernel")
    assert rule in entry.why


def test_a_condition_that_does_not_hold_fires_nothing():
    rt, bus, kernel, tasks, _ = policy()
    bus.publish(Event("c", 1, "system.resource_spike", 0.0, {"resource": "cpu", "usage": 60.0}))
    bus.publish(Event("c", 2, "trust.score_updated", 0.0, {"component_id": "a", "new_score": 0.4}))
    rt.env.run()
    assert kernel.fired == {} and tasks == []


def test_api_errors_are_batched_into_one_self_healing_and_one_task_per_batch():
    rt, bus, kernel, tasks, published = policy()
    for i in range(25):
        bus.publish(Event("api", i, "system.api_error", 0.0, {"endpoint": "/x", "status": 503}))
    rt.env.run()
    heals = [e for e in published if e.type == "healing.action_taken"]
    # Two full batches of ten at once; the last five wait for the 60 s window.
    assert kernel.batches == 3 and len(heals) == 3
    assert [e.time for e in heals] == pytest.approx([0.001, 0.001, 60.001])
    assert tasks == [("api_error_batch", Priority.NORMAL)] * 3


LOOP = """
rules:
  - name: echo
    events: [healing.*]
    actions: [self_heal]
    priority: none
"""


def test_a_cascade_of_rules_triggering_rules_stops_at_the_depth_limit_and_is_recorded():
    rt, bus, kernel, _, published = policy(LOOP, max_depth=4)
    bus.publish(Event("client", 1, "healing.action_taken", 0.0, {"playbook": "p"}))
    rt.env.run(until=100)
    assert kernel.fired == {"echo": 4} and kernel.deepest == 4
    assert max(e.depth for e in published) == 4
    cascades = rt.recorder.frame("cascades")
    assert cascades[["rule", "depth"]].values.tolist() == [["echo", 4]]
    assert rt.recorder.counts["safeguard.cascade_breaker"] == 1
    assert kernel.audit.query(action="break_cascade")[0].where == "echo"


def test_without_the_breaker_the_cascade_runs_past_the_limit_and_is_counted():
    rt, bus, kernel, _, published = policy(LOOP, breaker=False, max_depth=4)
    bus.publish(Event("client", 1, "healing.action_taken", 0.0, {"playbook": "p"}))
    rt.env.run(until=0.05)
    assert kernel.fired["echo"] > 4 and kernel.over_limit > 0 and kernel.deepest > 4
    assert kernel.cascades_broken == 0


@pytest.mark.parametrize(
    "text, path",
    [
        ("rules: [{name: r, events: [nothing.here], actions: [log_only]}]", "rules[0].events[0]"),
        ("rules: [{name: r, events: [kpi.*], actions: [teleport]}]", "rules[0].actions[0]"),
        ("rules: [{name: r, events: [kpi.*], actions: [batch]}]", "rules[0]"),
        ("rules: [{name: r, events: [kpi.*], condition: 'payload.__class__ == 1', actions: [log_only]}]",
         "rules[0].condition"),
    ],
)
def test_malformed_rules_are_refused_naming_the_field(text, path):
    with pytest.raises(DefinitionError) as caught:
        load_rules("rules.yaml", SCHEMAS, text=text)
    assert caught.value.path == path and caught.value.file == "rules.yaml"
