"""Every fault bites: each one runs in a small scenario with and without it, and the stack behaves differently.

Each test asserts a difference in what the stack did (queues, workers,
workflow runs, kernels, governance), not only in the fault's own account,
and that the fault's ``faults`` row reports a non-zero effect.
"""
from __future__ import annotations

import pytest

from .effects_helpers import (
    CRITICAL_KPIS,
    SLOW_CRASH_HEALING,
    TASKS,
    TIER0_INTENTS,
    count,
    fault_row,
    fired,
    outcomes,
    run,
    scenario,
    window,
)


def with_and_without(fault: dict, workload: list[dict], stack: dict | None = None, **fields):
    """The same scenario run with ``fault`` at 10 s and without any fault."""
    document = scenario(workload=workload, stack=stack, **fields)
    return run({**document, "faults": [{"at": "10s", **fault}]}), run(document)


def assert_bites(result, kind: str) -> None:
    row = fault_row(result, kind)
    assert row["effect_size"] > 0, row["effect"]


def test_queue_flood_deepens_the_queue_and_its_malformed_tasks_are_rejected_at_the_door():
    flooded, calm = with_and_without({"queue_flood": {"count": 300, "over": "5s", "invalid_fraction": 0.2}}, [TASKS])
    assert_bites(flooded, "queue_flood")
    assert flooded.tables["timeseries"]["depth_total"].max() > calm.tables["timeseries"]["depth_total"].max() + 100
    assert outcomes(flooded, "rejected") > 30
    assert outcomes(calm, "rejected") == 0


def test_worker_dropout_removes_workers_and_their_tasks_start_again():
    busy = {"tasks": {"rate": "4.4/s", "service": {"exponential": "1s"}}}  # more than four workers serve: none idles
    dropped, calm = with_and_without({"worker_dropout": {"fraction": 0.75}}, [busy],
                                     stack={"pool": {"restart_delay": 20}})
    assert_bites(dropped, "worker_dropout")
    alive, alive_calm = dropped.tables["timeseries"]["workers_alive"], calm.tables["timeseries"]["workers_alive"]
    assert alive.min() == 1 and alive_calm.min() == 4
    assert alive.iloc[-1] == 4  # restarted after the delay
    assert (dropped.tables["tasks"]["attempts"] > 1).any()
    assert not (calm.tables["tasks"]["attempts"] > 1).any()


@pytest.mark.parametrize("workers, fraction, killed", [(1, 0.5, 1), (5, 0.5, 3), (4, 0.1, 1), (4, 0.0, 0)])
def test_a_dropout_fraction_rounds_half_up_and_never_spares_a_pool_it_should_hit(workers, fraction, killed):
    document = scenario(workload=[TASKS], stack={"htm": {"workers": workers}},
                        faults=[{"at": "10s", "worker_dropout": {"fraction": fraction}}], duration="20s")
    assert fault_row(run(document), "worker_dropout")["effect_size"] == killed


def test_scheduler_pause_starts_nothing_while_the_queue_grows():
    paused, calm = with_and_without({"scheduler_pause": {"for": "10s"}}, [TASKS])
    assert_bites(paused, "scheduler_pause")
    assert window(paused.tables["tasks"], "started_at", 10.5, 20.0).empty
    assert len(window(calm.tables["tasks"], "started_at", 10.5, 20.0)) > 10
    depth = window(paused.tables["timeseries"], "time", 10.0, 20.0)["depth_total"]
    assert depth.iloc[-1] > depth.iloc[0] + 10
    assert depth.max() > calm.tables["timeseries"]["depth_total"].max()


def test_a_pause_the_stack_heals_early_still_bites():
    # With the watchdog and the immune kernel on, the dispatcher is resumed long before the window ends.
    pause = {"at": "10s", "scheduler_pause": {"for": "100s"}}
    paused = run(scenario(workload=[TASKS], faults=[pause], duration="120s"))
    assert_bites(paused, "scheduler_pause")
    assert len(window(paused.tables["tasks"], "started_at", 10.5, 60.0)) > 0
    assert "resumed before the window ended" in fault_row(paused, "scheduler_pause")["effect"]


def test_resource_siege_raises_the_stress_level_and_throttles_dispatches():
    sieged, calm = with_and_without({"resource_siege": {"for": "20s", "cpu": 90, "memory": 90}}, [TASKS])
    assert_bites(sieged, "resource_siege")
    assert sieged.tables["timeseries"]["stress_level"].max() > calm.tables["timeseries"]["stress_level"].max()
    assert sieged.tables["timeseries"]["throttled"].sum() > 0
    assert calm.tables["timeseries"]["throttled"].sum() == 0
    assert fired(sieged, "throttle") > 0 and fired(calm, "throttle") == 0


def test_approval_outage_leaves_tier_0_intents_waiting_until_they_expire():
    document = scenario(workload=[TASKS, TIER0_INTENTS],
                        stack={"operator": {"median_response": 0.3}, "approval": {"timeout": 15}})
    away = run({**document, "faults": [{"at": "10s", "approval_outage": {"for": "30s"}}]})
    present = run(document)
    assert_bites(away, "approval_outage")
    assert outcomes(away, "expired") > 10
    assert outcomes(present, "expired") == 0
    approved = lambda result: (result.tables["tasks"]["approval"] == "approved").sum()  # noqa: E731
    assert approved(away) < approved(present)


def test_trigger_storm_floods_the_trigger_mesh_and_the_rate_limiter_answers():
    stormy, calm = with_and_without({"trigger_storm": {"rate": "500/s", "for": "5s"}}, [TASKS])
    assert_bites(stormy, "trigger_storm")
    assert count(stormy, "router.events_received") > 2000
    assert count(calm, "router.events_received") == 0
    assert fired(stormy, "rate_limiter") > 0 and count(stormy, "router.events_rate_limited") > 0
    assert fired(calm, "rate_limiter") == 0


def test_message_loss_loses_deliveries_and_without_redelivery_workflows_never_run():
    fault = {"message_loss": {"probability": 0.5, "for": "20s"}}
    once = {"bus": {"redelivery": {"enabled": False}}}
    lossy, calm = with_and_without(fault, [TASKS, CRITICAL_KPIS], stack=once)
    assert_bites(lossy, "message_loss")
    assert count(lossy, "bus.lost") > 0 and count(calm, "bus.lost") == 0
    assert count(lossy, "bus.lost_for_good") == count(lossy, "bus.lost")
    assert len(lossy.tables["workflows"]) < len(calm.tables["workflows"]) - 3
    redelivered, _ = with_and_without(fault, [TASKS, CRITICAL_KPIS])
    assert count(redelivered, "bus.lost") > 0 and count(redelivered, "bus.lost_for_good") == 0


def test_message_duplication_redelivers_events_and_the_router_drops_the_copies():
    doubled, calm = with_and_without({"message_duplication": {"probability": 0.5, "for": "20s"}},
                                     [TASKS, CRITICAL_KPIS])
    assert_bites(doubled, "message_duplication")
    assert count(doubled, "bus.duplicated") > 0 and count(calm, "bus.duplicated") == 0
    assert count(doubled, "router.deduplicated") > count(calm, "router.deduplicated") + 3


def test_message_reorder_delivers_events_out_of_their_publication_order_unless_the_bus_keeps_it():
    one_source = {"events": {**CRITICAL_KPIS["events"], "sources": 1}}
    fault = {"message_reorder": {"probability": 0.5, "window": "3s", "for": "30s"}}
    unordered = {"bus": {"ordering": {"enabled": False}}}
    shuffled, calm = with_and_without(fault, [TASKS, one_source], stack=unordered)
    assert_bites(shuffled, "message_reorder")
    assert count(shuffled, "bus.reordered") > 0 and count(calm, "bus.reordered") == 0

    def inversions(result) -> int:
        runs = result.tables["workflows"]
        runs = runs[runs["event_source"] == "client-0"].sort_values(["triggered_at", "run"])
        return int((runs["event_id"].astype(int).diff() < 0).sum())

    assert inversions(shuffled) > 0 and count(shuffled, "bus.out_of_order") > 0
    assert inversions(calm) == 0
    kept, _ = with_and_without(fault, [TASKS, one_source])
    assert count(kept, "bus.reordered") > 0 and inversions(kept) == 0 and count(kept, "bus.out_of_order") == 0


def test_policy_cascade_chains_rules_until_the_breaker_stops_it():
    cascading, calm = with_and_without({"policy_cascade": {"depth": 20}}, [TASKS])
    assert_bites(cascading, "policy_cascade")
    assert len(cascading.tables["cascades"]) > 0 and len(calm.tables["cascades"]) == 0
    assert count(cascading, "policy.deepest") > count(calm, "policy.deepest")
    assert fired(cascading, "cascade_breaker") > 0


def test_policy_cascade_keeps_the_stacks_own_rules(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules: [{name: drift_noted, events: [system.dependency_drift], actions: [log_only]}]\n")
    document = scenario(workload=[TASKS], stack={"policy": {"rules_file": str(rules)}},
                        faults=[{"at": "10s", "policy_cascade": {"depth": 3}}])
    cascading = run(document)
    assert "3 of the 3 chained rules fired" in fault_row(cascading, "policy_cascade")["effect"]
    # The event past the chain's end falls through to the stack's own rule.
    assert count(cascading, "policy.fired") == 4 and count(cascading, "policy.deepest") == 4


def test_kernel_crash_fails_calls_and_the_engine_retries_them():
    crashed, calm = with_and_without({"kernel_crash": {"kernel": "avn_core", "for": "20s"}}, [TASKS, CRITICAL_KPIS],
                                     stack=SLOW_CRASH_HEALING)
    assert_bites(crashed, "kernel_crash")
    assert count(crashed, "kernel.avn_core.failures") > count(calm, "kernel.avn_core.failures") + 10
    assert count(crashed, "engine.retries") > count(calm, "engine.retries") + 10
    assert (crashed.tables["actions"]["attempts"] > 1).sum() > (calm.tables["actions"]["attempts"] > 1).sum()


def test_latency_spike_slows_the_actions_that_call_the_kernel():
    slowed, calm = with_and_without({"latency_spike": {"kernel": "avn_core", "factor": 20, "for": "20s"}},
                                    [TASKS, CRITICAL_KPIS])
    assert_bites(slowed, "latency_spike")

    def p90(result) -> float:
        actions = window(result.tables["actions"], "started_at", 10.0, 30.0)
        return float(actions["latency"].quantile(0.9))

    assert p90(slowed) > 5 * p90(calm)


def test_heartbeat_loss_raises_an_alarm_and_the_immune_kernel_restarts_the_kernel():
    hang = {"heartbeat_loss": {"kernel": "avn_core", "for": "40s"}}
    hung, calm = with_and_without(hang, [TASKS, CRITICAL_KPIS])
    assert_bites(hung, "heartbeat_loss")
    assert count(hung, "heartbeat.alarms") == 1 and count(calm, "heartbeat.alarms") == 0
    immune = hung.tables["immune"]
    assert (immune["playbook"] == "restart_kernel").any() and calm.tables["immune"].empty
    unwatched = run(scenario(workload=[TASKS, CRITICAL_KPIS], faults=[{"at": "10s", **hang}],
                             stack={"heartbeat": {"enabled": False}, "policy": {"disabled": ["api_error_batch"]}}))
    # Nobody notices a hung kernel without its heartbeat (nor the batch of its timed-out calls, whose
    # self-healing would restart it): calls time out for the whole window.
    assert unwatched.tables["immune"].empty
    assert count(unwatched, "kernel.avn_core.timeouts") > count(hung, "kernel.avn_core.timeouts")


@pytest.mark.parametrize("mode, counter", [("log_only", "would_deny"), ("enforce_all", "denied")])
def test_acl_flood_meets_the_governance_gate(mode, counter):
    flood = {"acl_flood": {"rate": "10/s", "for": "10s"}}
    flooded, calm = with_and_without(flood, [TASKS], stack={"governance": {"mode": mode}})
    assert_bites(flooded, "acl_flood")
    if counter == "would_deny":
        # Each intruder's first request gets through as a would-be denial and is reported as a security
        # incident; the hunter's analysis quarantines it, and its later requests are denied.
        assert count(flooded, "governance.would_deny") >= 1 and count(calm, "governance.would_deny") == 0
        assert count(flooded, "governance.quarantined") > 0
        assert count(flooded, "governance.would_deny") + outcomes(flooded, "denied") > 50
    else:
        assert outcomes(flooded, "denied") > 50 and outcomes(calm, "denied") == 0
