"""Each component publishes what it observes, and the stack's loops answer it.

Every test watches the bus of a small stack, hurts one part through the
stack's controls and checks the events that follow, then switches the
answering rule or workflow off to show that the answer is what changed.
"""
from __future__ import annotations

import pytest

from chaosbench.orchestration.mesh.events import Event
from chaosbench.orchestration.tasks.model import Priority

from .helpers import at, build


def watched(overrides=None, pattern="*", **kwargs):
    runtime, stack = build(overrides, **kwargs)
    seen: list[Event] = []
    stack.bus.subscribe(pattern, "spy", seen.append)
    return runtime, stack, seen


def types(seen, source=None):
    return [event.type for event in seen if source is None or event.source == source]


def test_a_kernel_that_goes_down_is_reported_at_once_and_the_critical_error_rule_restarts_it():
    runtime, stack, seen = watched()
    at(runtime, 10.0, lambda: stack.take_kernel_down("hunter"))
    runtime.env.run(until=14.0)
    crashed = [e for e in seen if e.type == "system.kernel_crashed"]
    assert crashed and crashed[0].source == "immune_kernel" and crashed[0].time == 10.0
    assert "system.critical_error" in types(seen, "immune_kernel")
    assert stack.policy.fired["critical_error"] == 1 and stack.kernels.is_up("hunter")

    runtime, stack, seen = watched({"policy": {"disabled": ["critical_error"]},
                                    "workflows": {"disabled": ["kernel_crash_response"]}})
    at(runtime, 10.0, lambda: stack.take_kernel_down("hunter"))
    runtime.env.run(until=14.0)
    assert not stack.kernels.is_up("hunter")  # nobody answered yet: the watchdog's next check is due


def test_a_hung_kernel_is_reported_by_the_heartbeat_monitor_and_healing_publishes_the_recovery():
    runtime, stack, seen = watched()
    at(runtime, 10.0, lambda: stack.hang_kernel("unified_logic"))
    runtime.env.run(until=60.0)
    reported = set(types(seen, "heartbeat_monitor"))
    assert {"system.heartbeat_failed", "system.kernel_crashed", "anomaly.detected"} <= reported
    assert stack.kernels.healthy("unified_logic")
    recovered = [e for e in seen if e.type == "healing.recovery_complete"]
    assert recovered and recovered[0].payload["success"] is True and recovered[0].payload["duration_s"] > 0
    assert stack.engine.started_by.get("healing_recovery_metrics", 0) >= 1


def test_sla_breaches_are_published_grouped_per_priority():
    runtime, stack, seen = watched({"htm": {"workers": 1, "breach_alerts": {"interval": 30.0}}}, "task.sla_breach")

    def late_batch():
        for _ in range(10):
            stack.enqueue("slow", Priority.LOW, 1.0, 0.5)

    at(runtime, 1.0, late_batch)
    at(runtime, 60.0, late_batch)
    runtime.env.run(until=100.0)
    assert stack.htm.breaches == 20
    # One alert for each batch; the second carries the breaches the first one's interval held back.
    assert len(seen) == 2 and seen[0].payload["priority"] == "LOW"
    assert seen[0].payload["suppressed"] == 0 and seen[1].payload["suppressed"] == 9
    assert stack.policy.fired["sla_breach"] == 2

    runtime, stack, seen = watched({"htm": {"workers": 1, "breach_alerts": {"enabled": False}}}, "task.sla_breach")
    for _ in range(10):
        stack.enqueue("slow", Priority.LOW, 1.0, 0.5)
    runtime.env.run(until=100.0)
    assert stack.htm.breaches == 10 and seen == []


def test_the_watchdog_reports_saturation_and_resource_spikes_that_the_rules_answer_with_relief():
    runtime, stack, seen = watched({"htm": {"workers": 2}}, relief=True)
    at(runtime, 10.0, stack.pause_dispatcher)
    at(runtime, 10.0, lambda: [stack.enqueue("t", Priority.LOW, 1.0, 1e6) for _ in range(1100)])
    at(runtime, 10.0, lambda: stack.set_pressure(cpu=60.0))
    runtime.env.run(until=40.0)
    assert "task.queue_saturated" in types(seen, "watchdog") and "system.resource_spike" in types(seen, "watchdog")
    assert stack.policy.fired["workload_saturation"] >= 1 and stack.policy.fired["resource_spike"] >= 1
    assert "agent.spawn_requested" in types(seen, "event_policy_kernel") and stack.pool.relief


def test_an_unknown_actor_is_reported_once_a_minute_and_the_hunter_quarantines_it():
    runtime, stack, seen = watched()
    for moment in (10.0, 11.0, 12.0):
        at(runtime, moment, lambda: stack.submit_intent("modify_config", "mallory"))
    runtime.env.run(until=30.0)
    assert types(seen, "governance_gate").count("governance.violation") == 1
    assert types(seen, "governance_gate").count("system.security_incident") == 1
    assert stack.gate.quarantined("mallory") and not stack.gate.check("mallory", "modify_config", risk="low")


def test_trust_that_falls_below_its_floor_is_reported_and_a_review_restores_it():
    runtime, stack, seen = watched({"trust": {"recovery_per_s": 0.0}})
    at(runtime, 10.0, lambda: [stack.trust.failure("hunter") for _ in range(3)])
    runtime.env.run(until=30.0)
    assert "trust.degradation_detected" in types(seen, "trust_scorer")
    assert stack.engine.started_by["trust_degradation_review"] == 1 and stack.trust.trusted("hunter")
    assert stack.engine.started_by.get("db_critical_audit", 0) >= 1  # the trust change was a critical write

    runtime, stack, seen = watched({"trust": {"recovery_per_s": 0.0},
                                    "workflows": {"disabled": ["trust_degradation_review"]}})
    at(runtime, 10.0, lambda: [stack.trust.failure("hunter") for _ in range(3)])
    runtime.env.run(until=30.0)
    assert not stack.trust.trusted("hunter")


def test_the_kpi_monitor_turns_a_failing_kernel_into_a_critical_threshold_breach():
    runtime, stack, seen = watched({"kernels": {"hunter": {"failure_probability": 0.9}}})

    def calls():
        for _ in range(50):
            call = stack.kernels.call("hunter", "analyze")
            call.callbacks.append(lambda answer: setattr(answer, "defused", True))

    at(runtime, 10.0, calls)
    runtime.env.run(until=31.0)
    breaches = [e.payload for e in seen if e.type == "kpi.threshold_breach"]
    assert any(b["component_id"] == "hunter" and b["severity"] == "CRITICAL" for b in breaches)
    assert stack.engine.started_by["kpi_critical_healing"] >= 1


def test_the_smoke_tests_report_a_slow_kernel_degraded_then_critical_then_improved():
    runtime, stack, seen = watched({"test_quality": {"window": 5}})
    at(runtime, 5.0, lambda: stack.slow_kernel("learning_kernel", 100.0))
    at(runtime, 160.0, lambda: stack.slow_kernel("learning_kernel", 1.0))
    runtime.env.run(until=400.0)
    statuses = [e.payload["status"] for e in seen if e.type == "test_quality.healing_required"]
    assert "DEGRADED" in statuses and "CRITICAL" in statuses
    assert "test_quality.improvement_suggested" in types(seen, "test_quality_monitor")
    for workflow in ("test_quality_critical_healing", "test_quality_degraded_learning",
                     "test_quality_improvement_tracking"):
        assert stack.engine.started_by[workflow] >= 1, workflow


def test_memory_writes_are_flushed_as_table_updates():
    runtime, stack, seen = watched(pattern="db.table_updated")
    at(runtime, 10.0, lambda: stack.trust.failure("hunter"))
    runtime.env.run(until=20.0)
    update = [e.payload for e in seen if e.payload["table"] == "trust_scores"]
    assert update == [{"table": "trust_scores", "operation": "update", "critical": True, "rows": 1}]


@pytest.mark.parametrize("validation, delivered", [("count", 1), ("strict", 0)])
def test_a_payload_that_breaks_its_schema_is_counted_and_refused_in_strict_mode(validation, delivered):
    runtime, stack, seen = watched({"bus": {"validation": validation}}, "kpi.threshold_breach")
    stack.publish("kpi.threshold_breach", {"metric_name": "x", "component_id": "y", "value": "high"})
    runtime.env.run(until=1.0)
    assert stack.bus.invalid == 1 and len(seen) == delivered


def test_stress_past_the_knee_slows_service_and_load_below_it_does_not():
    runtime, stack = build({"htm": {"workers": 1}})
    calm = stack.enqueue("t", Priority.HIGH, 1.0, 100.0)
    runtime.env.run(until=5.0)
    stack.set_pressure(cpu=100.0)
    pressed = stack.enqueue("t", Priority.HIGH, 1.0, 100.0)
    runtime.env.run(until=20.0)
    assert calm.finished_at - calm.started_at == pytest.approx(1.0)
    assert pressed.finished_at - pressed.started_at == pytest.approx(1.0 + 3.0)  # slowdown 3 at 100%


def test_a_boot_that_fails_refuses_all_work_and_one_still_booting_serves_none():
    broken = {"boot": {"retry": {"enabled": False},
                       "chunks": [{"chunk_id": "core", "priority": 0, "duration": 2.0, "fail_probability": 1.0}]}}
    runtime, stack = build(broken)
    early = stack.enqueue("t", Priority.HIGH, 1.0, 100.0)
    at(runtime, 5.0, lambda: stack.enqueue("t", Priority.HIGH, 1.0, 100.0))
    runtime.env.run(until=10.0)
    stack.close()
    # The two tasks, and the task the critical-error rule raised for the failed boot, are all refused.
    outcomes = runtime.recorder.frame("tasks")["outcome"].tolist()
    assert outcomes == ["refused"] * 3 and early.started_at != early.started_at  # never started

    slow = {"boot": {"chunks": [{"chunk_id": "core", "priority": 0, "duration": 3.0}]}}
    runtime, stack = build(slow)
    task = stack.enqueue("t", Priority.HIGH, 1.0, 100.0)
    runtime.env.run(until=10.0)
    assert task.started_at == 3.0


def test_a_degraded_mesh_validators_chunk_turns_trust_validation_off():
    chunks = [{"chunk_id": "mesh_validators", "priority": 1, "duration": 0.5, "can_fail": True,
               "fail_probability": 1.0}]
    runtime, stack, seen = watched({"boot": {"retry": {"enabled": False}, "chunks": chunks}},
                                   "system.dependency_drift")
    runtime.env.run(until=5.0)
    assert not stack.mesh_guard.validating and len(seen) == 1
    assert stack.policy.fired["dependency_drift"] == 1
