"""Intent routing, approval gates, the operator, the governance gate, trust and the mesh guard."""
from __future__ import annotations

import pytest

from chaosbench.orchestration.governance.intents import TIERS, mission_alignment
from chaosbench.orchestration.mesh.events import Event
from chaosbench.orchestration.tasks.model import Priority, TaskContext
from chaosbench.sim.checks.invariants import tier0_approval

from .helpers import at, build, rows


def _quiet(**extra):
    # The watchdog's first checks need no reaction here.
    return {"watchdog": {"enabled": False}, **extra}


def test_the_autonomy_tiers_are_exactly_those_of_the_charter():
    by_tier = {}
    for intent, tier in TIERS.items():
        by_tier.setdefault(tier, set()).add(intent)
    assert by_tier == {
        0: {"modify_governance", "change_charter", "grant_permissions"},
        1: {"execute_sandbox", "deploy_model", "modify_config"},
        2: {"query_knowledge", "generate_summary", "schedule_task"},
        3: {"self_improve", "extend_grace", "optimize_system"},
        4: {"emergency_recovery", "critical_incident"},
    }


def test_mission_alignment_takes_the_highest_charter_priority_touched():
    assert mission_alignment({"revenue_impact": True}, 0.5) == 0.8
    assert mission_alignment({"revenue_impact": True, "resilience": True}, 0.5) == 1.0
    assert mission_alignment({"learning": True}, 0.5) == 0.6
    assert mission_alignment({}, 0.5) == 0.5


def test_a_tier_zero_intent_waits_for_the_operator_and_runs_only_once_approved():
    runtime, stack = build(_quiet(operator={"median_response": 50.0, "sigma": 0.0, "approve_probability": 1.0}))
    task = stack.submit_intent("change_charter", "governance", work=1.0)
    runtime.env.run(until=49.9)
    assert task.approval == "pending" and task.started_at != task.started_at
    runtime.env.run(until=100)
    stack.close()
    table = rows(runtime)
    assert table.loc[task.task_id, "approval"] == "approved"
    assert table.loc[task.task_id, "started_at"] == pytest.approx(50.0)
    assert tier0_approval(runtime, stack, table.reset_index())[0]


def test_a_tier_zero_intent_never_runs_while_the_operator_is_away_and_expires():
    runtime, stack = build(_quiet(approval={"timeout": 600.0}))
    stack.set_operator_available(False)
    task = stack.submit_intent("grant_permissions", "governance")
    runtime.env.run(until=5000)
    stack.close()
    table = rows(runtime)
    assert table.loc[task.task_id, "outcome"] == "expired"
    assert table.loc[task.task_id, "finished_at"] == 600.0
    assert table["started_at"].isna().all()
    assert tier0_approval(runtime, stack, table.reset_index())[0]


def test_an_operator_back_in_time_answers_the_requests_that_waited():
    runtime, stack = build(_quiet(operator={"median_response": 10.0, "sigma": 0.0, "approve_probability": 1.0}))
    stack.set_operator_available(False)
    task = stack.submit_intent("modify_governance", "governance")
    at(runtime, 100.0, lambda: stack.set_operator_available(True))
    runtime.env.run(until=500)
    assert task.approval == "approved" and task.started_at == pytest.approx(110.0)


def test_a_denied_approval_ends_the_task_as_denied():
    runtime, stack = build(_quiet(operator={"approve_probability": 0.0}))
    task = stack.submit_intent("change_charter", "governance")
    runtime.env.run(until=5000)
    stack.close()
    assert rows(runtime).loc[task.task_id, "outcome"] == "denied"


def test_without_the_approval_gate_a_tier_zero_intent_runs_unapproved_and_the_invariant_catches_it():
    runtime, stack = build(_quiet(approval={"enabled": False}))
    task = stack.submit_intent("change_charter", "governance")
    runtime.env.run(until=100)
    stack.close()
    table = rows(runtime).reset_index()
    assert task.started_at == 0.0 and task.approval == "unchecked"
    assert not tier0_approval(runtime, stack, table)[0]


def test_a_task_whose_context_requires_approval_waits_in_the_pending_set():
    runtime, stack = build(_quiet())
    stack.set_operator_available(False)
    task = stack.enqueue("rollback_production", Priority.CRITICAL, 1.0, 300.0,
                         context=TaskContext(risk_level="high", requires_approval=True))
    runtime.env.run(until=10)
    assert stack.htm.depth() == 0 and stack.htm.busy == 0 and task.approval == "pending"
    assert runtime.recorder.counts["safeguard.approval_gate"] == 1


@pytest.mark.parametrize("mode, risk_intent, outcome", [
    ("log_only", "change_charter", "would_deny"),
    ("enforce_critical", "query_knowledge", "would_deny"),
    ("enforce_critical", "deploy_model", "would_deny"),
    ("enforce_critical", "optimize_system", "denied"),
    ("enforce_all", "query_knowledge", "denied"),
])
def test_an_unauthorized_actor_is_denied_in_enforce_modes_and_logged_as_a_would_be_denial_in_log_only(
    mode, risk_intent, outcome
):
    runtime, stack = build(_quiet(governance={"mode": mode}))
    task = stack.submit_intent(risk_intent, "mallory")
    runtime.env.run(until=10)
    counts = runtime.recorder.counts
    narratives = [entry.what for entry in stack.audit.entries
                  if entry.who == "governance_gate" and not entry.what.startswith("quarantine")]
    if outcome == "denied":
        assert counts["safeguard.governance_deny"] == 1 and task.state == 3
        assert narratives == [f"denied: {risk_intent} by mallory"]
    else:
        assert counts.get("safeguard.governance_deny", 0) == 0 and counts["governance.would_deny"] == 1
        expected = "log-only" if mode == "log_only" else "not enforced at "
        assert len(narratives) == 1 and narratives[0].startswith(f"would deny ({expected}")
        assert narratives[0].endswith(f": {risk_intent} by mallory")
        assert task.approval in ("", "pending")


def test_an_authorized_actor_is_allowed_in_every_mode():
    runtime, stack = build(_quiet(governance={"mode": "enforce_all"}))
    task = stack.submit_intent("query_knowledge", "htm")
    runtime.env.run(until=10)
    assert task.finished_at == 1.0


def test_an_untrusted_component_is_denied_until_its_trust_recovers():
    runtime, stack = build(_quiet(governance={"mode": "enforce_all"}, trust={"recovery_per_s": 0.01}))
    for _ in range(3):
        stack.trust.failure("self_heal")
    assert stack.trust.score("self_heal") < 0.5
    assert not stack.gate.check("self_heal", "restart_service", risk="low")
    runtime.env.run(until=60)
    assert stack.gate.check("self_heal", "restart_service", risk="low")


def test_without_the_gate_an_unauthorized_actor_passes_unrecorded():
    runtime, stack = build(_quiet(governance={"enabled": False, "mode": "enforce_all"}))
    task = stack.submit_intent("query_knowledge", "mallory")
    runtime.env.run(until=10)
    assert task.finished_at == 1.0 and "governance.would_deny" not in runtime.recorder.counts


def test_an_unknown_intent_type_is_rejected_at_the_door():
    runtime, stack = build(_quiet())
    stack.submit_intent("launch_missiles", "htm")
    stack.close()
    assert runtime.recorder.frame("tasks")["outcome"].tolist() == ["rejected"]


@pytest.mark.parametrize("alignment_context, outcome", [({"resilience": True}, "completed"), ({}, None)])
def test_a_tier_three_intent_runs_only_with_a_unified_logic_quorum(alignment_context, outcome):
    runtime, stack = build(_quiet(intents={"voters": 5, "quorum": 5, "default_alignment": 0.0}))
    task = stack.submit_intent("optimize_system", "htm", mission_context=alignment_context)
    runtime.env.run(until=1.9)
    assert task.started_at != task.started_at  # the tally takes two seconds
    runtime.env.run(until=100)
    stack.close()
    assert rows(runtime).loc[task.task_id, "outcome"] == (outcome or "denied")


def test_trust_falls_on_failures_and_recovers_with_time():
    runtime, stack = build(_quiet(trust={"failure_penalty": 0.5, "recovery_per_s": 0.01}))
    assert stack.trust.failure("hunter") == 0.5
    runtime.env.run(until=20)
    assert stack.trust.score("hunter") == pytest.approx(0.7)


def _event(source, n):
    return Event(source, n, "kpi.threshold_breach", 0.0,
                 {"metric_name": "latency", "component_id": "db", "value": 2.0, "severity": "CRITICAL"})


def test_the_mesh_holds_back_events_from_an_untrusted_source_and_drops_them_when_trust_stays_low():
    # No trust review either: it would restore the source's trust.
    runtime, stack = build(_quiet(trust={"recovery_per_s": 0.0}, mesh_guard={"hold": 5.0, "max_holds": 2},
                                  workflows={"disabled": ["trust_degradation_review"]}))
    for _ in range(4):
        stack.trust.failure("kpi_monitor")
    routed = []
    stack.mesh_guard.admit(_event("kpi_monitor", 1), routed.append)
    runtime.env.run(until=60)
    assert routed == [] and stack.mesh_guard.held == 2 and stack.mesh_guard.dropped == 1


def test_the_mesh_releases_a_held_event_once_trust_recovers():
    runtime, stack = build(_quiet(trust={"recovery_per_s": 0.05}, mesh_guard={"hold": 5.0, "max_holds": 3}))
    stack.trust.failure("kpi_monitor")
    stack.trust.failure("kpi_monitor")
    stack.trust.failure("kpi_monitor")  # 0.42: untrusted, back above 0.5 within two seconds
    routed = []
    stack.mesh_guard.admit(_event("kpi_monitor", 1), routed.append)
    runtime.env.run(until=60)
    assert len(routed) == 1 and stack.mesh_guard.held == 1


def test_the_mesh_drops_events_of_a_non_compliant_source_in_enforce_all_mode():
    runtime, stack = build(_quiet(governance={"mode": "enforce_all", "authorized": ["kpi-*"]}))
    stack.bus.publish(_event("intruder", 1))
    stack.bus.publish(_event("kpi-1", 1))
    runtime.env.run(until=60)
    assert stack.mesh_guard.dropped == 1
    routed = runtime.recorder.frame("workflows")
    assert set(routed["event_source"]) == {"kpi-1"}


def test_a_known_source_that_lost_trust_is_held_not_dropped_even_in_enforce_all_mode():
    runtime, stack = build(_quiet(governance={"mode": "enforce_all"}, trust={"recovery_per_s": 0.05}))
    for _ in range(3):
        stack.trust.failure("kpi_monitor")
    routed = []
    stack.mesh_guard.admit(_event("kpi_monitor", 1), routed.append)
    runtime.env.run(until=60)
    assert len(routed) == 1 and stack.mesh_guard.held == 1 and stack.mesh_guard.dropped == 0
