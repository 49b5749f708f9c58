"""The layer-2 watchdog, the immune kernel, the learning loop and the boot orchestrator."""
from __future__ import annotations

from chaosbench.orchestration.core.wiring import Wiring
from chaosbench.orchestration.governance.gate import GovernanceConfig, GovernanceGate
from chaosbench.orchestration.governance.trust import TrustConfig, TrustScorer
from chaosbench.orchestration.resilience.boot import BootConfig, BootOrchestrator, ChunkConfig
from chaosbench.orchestration.resilience.immune import ImmuneConfig, ImmuneKernel
from chaosbench.orchestration.resilience.learning import WorkflowLearning
from chaosbench.orchestration.tasks.model import Priority
from chaosbench.sim.run.runtime import SimRuntime

from .helpers import at, build


def test_the_watchdog_restarts_a_paused_dispatcher_after_the_grace():
    runtime, stack = build({"immune": {"enabled": False}, "watchdog": {"restart_grace": 30.0}})
    at(runtime, 40.0, stack.pause_dispatcher)
    runtime.env.run(until=69.9)
    assert stack.htm.paused
    runtime.env.run(until=40.0 + 30.0 + 15.0 + 0.1)
    assert not stack.htm.paused
    assert runtime.recorder.counts["safeguard.watchdog_restart"] == 1
    assert any(entry.what == "restart the dispatcher" for entry in stack.audit.entries)


def test_without_the_watchdog_a_paused_dispatcher_stays_paused():
    runtime, stack = build({"immune": {"enabled": False}, "watchdog": {"enabled": False}})
    at(runtime, 40.0, stack.pause_dispatcher)
    runtime.env.run(until=1000)
    assert stack.htm.paused


def test_a_readiness_failure_is_reported():
    chunks = [{"chunk_id": "kernels", "priority": 3, "duration": 1.0, "fail_probability": 1.0}]
    runtime, stack = build({"boot": {"chunks": chunks}, "watchdog": {"readiness_timeout": 30.0}})
    runtime.env.run(until=29.0)
    assert stack.watchdog.readiness_ok is None
    runtime.env.run(until=31.0)
    assert stack.watchdog.readiness_ok is False and stack.watchdog.ready["boot"] is False
    assert runtime.recorder.counts["watchdog.readiness_failed"] == 1
    assert any(entry.what == "readiness failed" for entry in stack.audit.entries)


def test_a_healthy_boot_is_ready_without_waiting_for_the_timeout():
    runtime, stack = build()
    runtime.env.run(until=10.0)
    assert stack.boot.ok and stack.watchdog.readiness_ok is True
    assert "watchdog.readiness_failed" not in runtime.recorder.counts


def test_the_watchdog_publishes_telemetry_and_queue_depth_alerts_every_interval():
    runtime, stack = build({"htm": {"workers": 1}, "immune": {"enabled": False}})
    seen = []
    stack.bus.subscribe("telemetry.*", "collector", seen.append)
    stack.bus.subscribe("anomaly.*", "alerts", seen.append)
    at(runtime, 10.0, stack.pause_dispatcher)  # after readiness (boot takes 8.5 s)
    at(runtime, 10.0, lambda: [stack.enqueue("t", Priority.LOW, 1.0, 1e6) for _ in range(1200)])
    runtime.env.run(until=40.0)
    telemetry = [e for e in seen if e.type == "telemetry.layer2"]
    alerts = [e.payload["signature"] for e in seen if e.type == "anomaly.detected"]
    # The policy kernel raises a task for each saturation report, on top of the 1200.
    assert len(telemetry) == 2 and telemetry[-1].payload["queue_depth"] >= 1200
    assert telemetry[-1].payload["event_queue_depth"] >= 0 and telemetry[-1].payload["worker_count"] == 1
    assert "queue_warn" in alerts and "dispatcher_paused" in alerts


def test_the_watchdog_counts_slo_breaches():
    runtime, stack = build({"htm": {"workers": 1, "escalation": {"enabled": False}}, "immune": {"enabled": False}})
    stack.enqueue("slow", Priority.NORMAL, 30.0, 10.0)
    runtime.env.run(until=60.0)
    assert stack.watchdog.slo_breaches == 1


def test_the_immune_kernel_restarts_killed_workers_before_their_restart_delay():
    for immune, expected in ((True, 4), (False, 2)):
        runtime, stack = build({"htm": {"workers": 4}, "pool": {"restart_delay": 600.0}, "immune": {"enabled": immune}})
        at(runtime, 20.0, lambda stack=stack: stack.kill_workers(2))
        runtime.env.run(until=60.0)
        assert stack.htm.workers == expected, immune


def test_the_immune_kernel_brings_a_downed_kernel_back():
    # The test-quality monitor's smoke tests would find the kernel down and have it healed too.
    for immune, expected in ((True, True), (False, False)):
        runtime, stack = build({"immune": {"enabled": immune}, "test_quality": {"enabled": False}})
        at(runtime, 20.0, lambda stack=stack: stack.take_kernel_down("self_heal"))
        runtime.env.run(until=60.0)
        assert stack.kernels.is_up("self_heal") is expected


def _immune(outcomes: dict[str, list[bool]], mode: str = "log_only", authorized: tuple = ()):
    runtime = SimRuntime(1)
    trust = TrustScorer(Wiring.of(runtime), TrustConfig())
    gate = GovernanceGate(Wiring.of(runtime), GovernanceConfig(mode=mode), trust)
    learning = WorkflowLearning(Wiring.of(runtime))
    applied = []

    def playbook(name):
        def apply(_payload):
            applied.append(name)
            return outcomes[name].pop(0)
        return apply

    config = ImmuneConfig(playbooks={"api_timeout": ("restart_service", "clear_cache", "rollback_deployment")})
    kernel = ImmuneKernel(Wiring.of(runtime), config, gate, learning, {name: playbook(name) for name in outcomes})
    return runtime, kernel, trust, learning, applied


def test_the_immune_kernel_uses_the_learned_playbook_first_next_time():
    runtime, kernel, _, learning, applied = _immune(
        {"restart_service": [False], "clear_cache": [False], "rollback_deployment": [True, True]})
    kernel.on_anomaly("api_timeout", {})
    runtime.env.run(until=10)
    assert applied == ["restart_service", "clear_cache", "rollback_deployment"]
    # The failed attempts are recorded; the healing reaches the learning loop as the recovery-metrics workflow's
    # update of the learning kernel's metrics, which this kernel, wired without the mesh, stands in for.
    assert learning.recommend("api_timeout") is None
    learning.record("api_timeout", "rollback_deployment", True, 1.0)
    assert learning.recommend("api_timeout") == "rollback_deployment"
    kernel.on_anomaly("api_timeout", {})
    runtime.env.run(until=20)
    assert applied[3:] == ["rollback_deployment"]
    immune = runtime.recorder.frame("immune")
    assert immune["outcome"].tolist() == ["failed", "failed", "healed", "healed"]
    assert immune["success_rate"].tolist()[-1] == 1.0


def test_the_immune_kernel_applies_no_playbook_the_governance_gate_denies():
    runtime, kernel, trust, _, applied = _immune({"restart_service": [True]}, mode="enforce_all")
    for _ in range(4):
        trust.failure("immune_kernel")
    kernel.on_anomaly("api_timeout", {})
    runtime.env.run(until=10)
    assert applied == [] and runtime.recorder.frame("immune")["outcome"].tolist() == ["denied"]


def test_learning_recommends_the_workflow_with_the_best_success_rate():
    runtime = SimRuntime(1)
    learning = WorkflowLearning(Wiring.of(runtime))
    assert learning.recommend("db_timeout") is None
    learning.record("db_timeout", "restart_db", False)
    assert learning.recommend("db_timeout") is None
    learning.record("db_timeout", "restart_db", True, 10.0)
    learning.record("db_timeout", "failover", True, 30.0)
    assert learning.recommend("db_timeout") == "failover"
    assert learning.success_rate("db_timeout", "restart_db") == 0.5


def _boot(chunks, retry=False):
    runtime = SimRuntime(1)
    boot = BootOrchestrator(Wiring.of(runtime), BootConfig(chunks=tuple(ChunkConfig(**c) for c in chunks)),
                            retry=retry)
    boot.start()
    runtime.env.run()
    return runtime, boot


def test_boot_runs_chunks_by_priority_and_a_can_fail_chunk_does_not_stop_it():
    runtime, boot = _boot([
        {"chunk_id": "kernels", "priority": 3, "duration": 3.0},
        {"chunk_id": "validators", "priority": 1.6, "duration": 0.5, "can_fail": True, "fail_probability": 1.0},
        {"chunk_id": "guardian", "priority": 0, "duration": 1.0},
    ])
    table = runtime.recorder.frame("boot")
    assert table["chunk"].tolist() == ["guardian", "validators", "kernels"]
    assert table["ok"].tolist() == [1, 0, 1]
    assert boot.ok and boot.failures == ["validators"] and boot.boot_time == 4.5


def test_a_failing_chunk_that_may_not_fail_stops_the_boot():
    runtime, boot = _boot([
        {"chunk_id": "guardian", "priority": 0, "duration": 1.0, "fail_probability": 1.0},
        {"chunk_id": "kernels", "priority": 3, "duration": 3.0},
    ])
    assert not boot.ok and boot.complete and boot.failures == ["guardian"]
    assert runtime.recorder.frame("boot")["chunk"].tolist() == ["guardian"]


def test_the_watchdog_alerts_when_the_mesh_loses_its_subscriptions():
    runtime, stack = build({"immune": {"enabled": False}})
    runtime.env.run(until=30.0)
    assert "subscriptions_low" not in stack.watchdog.alerts
    for workflow in stack.registry.workflows:
        stack.registry.disable(workflow.name)
    for name in list(stack.bus.subscriptions):
        stack.bus.unsubscribe(name)
    runtime.env.run(until=60.0)
    assert stack.watchdog.alerts["subscriptions_low"] >= 1


def test_learning_records_which_workflow_resolved_which_event_type():
    runtime, stack = build()
    stack.publish("kpi.threshold_breach", {"metric_name": "latency", "component_id": "db", "value": 2.0,
                                           "severity": "CRITICAL"})
    runtime.env.run(until=120.0)
    learned = runtime.recorder.frame("learning")
    assert len(learned) >= 1 and set(learned["signature"]) == {"kpi.threshold_breach"}
    assert stack.learning.recommend("kpi.threshold_breach") in set(learned["workflow"])
