"""Every safeguard matters: the same scenario with only that safeguard's switch on, then off.

With the safeguard on it must fire and the scenario's probes hold (or a
measure is clearly better); with it off the probes fail or the measure
degrades: SLAs, latency quantiles, dead letters, duplicate executions,
cascade depth, unauthorized requests let in, recovery time.
"""
from __future__ import annotations

from .effects_helpers import (
    CRITICAL_KPIS,
    NO_CONTENTION,
    SLOW_CRASH_HEALING,
    TASKS,
    TIER0_INTENTS,
    count,
    fired,
    held,
    outcomes,
    probe,
    run,
    scenario,
    switched,
    window,
)


def on_and_off(document: dict, switch: str):
    """``document`` run with the safeguard at ``switch`` on, then off; nothing else changes."""
    return run(switched(document, switch, True)), run(switched(document, switch, False))


def assert_protects(on, off, safeguard: str, probe_name: str) -> None:
    """The safeguard fired and kept ``probe_name`` within bounds; without it, it did not fire and the probe failed."""
    assert fired(on, safeguard) > 0 and fired(off, safeguard) == 0
    assert probe(on, probe_name).passed, probe(on, probe_name)
    assert not probe(off, probe_name).passed, probe(off, probe_name)


def test_rate_limiter_keeps_workflow_runs_prompt_through_a_trigger_storm():
    storm = {"at": "10s", "trigger_storm": {"rate": "500/s", "for": "10s", "duplicates": 0.0}}
    on, off = on_and_off(scenario(workload=[TASKS], faults=[storm]), "router.rate_limiter")
    assert fired(on, "rate_limiter") > 1000 and fired(off, "rate_limiter") == 0
    assert count(off, "engine.started") > 10 * count(on, "engine.started")

    def p99(result) -> float:
        return float(result.tables["workflows"]["latency"].quantile(0.99))

    assert p99(off) > 5 * p99(on)


def test_dedup_runs_each_redelivered_event_once():
    duplication = {"at": "10s", "message_duplication": {"probability": 0.5, "for": "20s"}}
    document = scenario(workload=[TASKS, CRITICAL_KPIS], faults=[duplication],
                        steady_state=[{"duplicate_executions": {"max": 0}}])
    on, off = on_and_off(document, "router.dedup")
    assert_protects(on, off, "dedup", "duplicate_executions")


def test_load_shedder_bounds_the_queue_and_lets_the_stack_recover_from_a_flood():
    flood = {"at": "10s", "queue_flood": {"count": 600, "over": "5s", "priority_mix": {"low": 1.0}}}
    document = scenario(workload=[TASKS], faults=[flood], duration="120s",
                        stack={"htm": {"shedding": {"critical_depth": 50}}},
                        steady_state=[{"max_queue_depth": {"max": 60}}, {"recovery_time": {"max": "60s"}}])
    on, off = on_and_off(document, "htm.shedding")
    assert_protects(on, off, "load_shedder", "max_queue_depth")
    assert probe(on, "recovery_time").passed and not probe(off, "recovery_time").passed
    assert held(on, "liveness") and not held(off, "liveness")
    assert outcomes(on, "shed") > 0 and (on.tables["tasks"].query("outcome == 'shed'")["priority"] == "low").all()


def mean_wait(result, priority: str) -> float:
    """Mean seconds the completed tasks of ``priority`` waited for a worker."""
    tasks = result.tables["tasks"].query(f"priority == '{priority}' and outcome == 'completed'")
    return float((tasks["started_at"] - tasks["enqueued_at"]).mean())


def test_throttle_keeps_high_priority_work_moving_while_the_stack_is_stressed():
    work = {"tasks": {"rate": "3.4/s", "service": {"exponential": "1s"}, "priority_mix": {"high": 0.3, "normal": 0.7}}}
    siege = {"at": "10s", "resource_siege": {"for": "100s", "cpu": 90}}
    document = scenario(workload=[work], faults=[siege], duration="120s",
                        stack={"pool": {"relief": {"enabled": False}}, "health": NO_CONTENTION})
    on, off = on_and_off(document, "htm.throttle")
    assert fired(on, "throttle") > 100 and fired(off, "throttle") == 0
    assert count(on, "htm.throttle_yields") > 0
    assert mean_wait(off, "high") > 1.3 * mean_wait(on, "high")
    assert mean_wait(on, "normal") > mean_wait(off, "normal")  # the price: normal work waits


def test_relief_agents_absorb_the_load_of_a_resource_siege():
    work = {"tasks": {"rate": "3.6/s", "service": {"exponential": "1s"}}}
    siege = {"at": "10s", "resource_siege": {"for": "120s", "cpu": 90}}
    document = scenario(workload=[work], faults=[siege], duration="150s",
                        stack={"htm": {"throttle": {"enabled": False}}, "health": NO_CONTENTION})
    on, off = on_and_off(document, "pool.relief")
    assert fired(on, "relief_agent") > 0 and fired(off, "relief_agent") == 0
    assert on.tables["timeseries"]["workers_alive"].max() > off.tables["timeseries"]["workers_alive"].max()
    assert mean_wait(off, "normal") > 3 * mean_wait(on, "normal")


def test_cascade_breaker_stops_a_rule_chain_at_its_depth_limit():
    document = scenario(workload=[TASKS], faults=[{"at": "10s", "policy_cascade": {"depth": 20}}],
                        steady_state=[{"cascade_depth_max": {"max": 5}}])
    on, off = on_and_off(document, "policy.cascade_breaker")
    assert_protects(on, off, "cascade_breaker", "cascade_depth_max")
    assert held(on, "cascade_depth") and not held(off, "cascade_depth")


def test_watchdog_restarts_a_paused_dispatcher():
    # The immune kernel would resume the dispatcher first; without it only the watchdog's own restart acts.
    document = scenario(workload=[TASKS], faults=[{"at": "10s", "scheduler_pause": {"for": "100s"}}],
                        duration="200s", stack={"immune": {"enabled": False}},
                        steady_state=[{"recovery_time": {"max": "60s"}}, {"latency": {"quantile": 0.99, "max": "60s"}}])
    on, off = on_and_off(document, "watchdog")
    assert_protects(on, off, "watchdog_restart", "recovery_time")
    assert probe(on, "latency").passed and not probe(off, "latency").passed
    resumed = window(on.tables["tasks"], "started_at", 41.0, 110.0)
    assert len(resumed) > 50 and window(off.tables["tasks"], "started_at", 11.0, 110.0).empty


def test_worker_reassignment_requeues_the_tasks_of_killed_workers():
    work = {"tasks": {"rate": "3.6/s", "service": {"exponential": "1s"}}}
    dropouts = [{"at": at, "worker_dropout": {"fraction": 0.75}} for at in ("10s", "40s")]
    document = scenario(workload=[work], faults=dropouts,
                        steady_state=[{"sla_compliance": {"min": 1.0}}])
    on, off = on_and_off(document, "pool.reassignment")
    assert_protects(on, off, "worker_reassignment", "sla_compliance")
    assert outcomes(on, "failed") == 0 and outcomes(off, "failed") > 0
    assert (on.tables["tasks"]["attempts"] > 1).any()


def test_retry_rides_out_flaky_kernel_calls():
    document = scenario(workload=[TASKS, CRITICAL_KPIS], stack={"kernels": {"avn_core": {"failure_probability": 0.3}}},
                        steady_state=[{"dead_letter_count": {"max": 2}}])
    on, off = on_and_off(document, "engine.retry")
    assert_protects(on, off, "retry", "dead_letter_count")
    assert count(off, "engine.failed") > count(on, "engine.failed") + 5


def test_dead_letter_queue_keeps_failed_runs_for_replay_once_the_kernel_is_healed():
    crash = {"at": "10s", "kernel_crash": {"kernel": "avn_core", "for": "30s"}}
    document = scenario(workload=[TASKS, CRITICAL_KPIS], faults=[crash], duration="90s", stack=SLOW_CRASH_HEALING)
    on, off = on_and_off(document, "engine.dead_letter")
    assert fired(on, "dead_letter") > 0 and fired(off, "dead_letter") == 0
    assert (on.tables["immune"]["playbook"] == "restart_kernel").any()

    def never_handled(result) -> int:
        """Events whose workflow never completed a run."""
        runs = result.tables["workflows"]
        key = ["workflow", "event_source", "event_id"]
        return len(runs[key].drop_duplicates()) - len(runs[runs["outcome"] == "completed"][key].drop_duplicates())

    assert never_handled(on) == 0
    assert never_handled(off) > 0


def test_approval_gate_holds_tier_0_intents_for_the_operator():
    document = scenario(workload=[TASKS, TIER0_INTENTS], stack={"operator": {"median_response": 0.3}})
    on, off = on_and_off(document, "approval")
    assert fired(on, "approval_gate") > 20 and fired(off, "approval_gate") == 0
    assert held(on, "tier0_approval") and not held(off, "tier0_approval")
    assert (off.tables["tasks"]["approval"] == "unchecked").sum() > 20
    assert on.tables["tasks"]["approval"].isin(["approved", "denied"]).sum() > 20  # the operator decided each


def test_governance_gate_denies_unauthorized_intents():
    flood = {"at": "5s", "acl_flood": {"rate": "5/s", "for": "10s"}}
    document = scenario(workload=[TASKS], faults=[flood], stack={"governance": {"mode": "enforce_all"}},
                        steady_state=[{"unauthorized_allowed": {"max": 0}}])
    on, off = on_and_off(document, "governance")
    assert_protects(on, off, "governance_deny", "unauthorized_allowed")
    assert probe(off, "unauthorized_allowed").value > 30


def test_sla_escalation_rescues_normal_tasks_starved_by_high_priority_work():
    work = {"tasks": {"rate": "3.9/s", "service": {"exponential": "1s"}, "priority_mix": {"high": 0.9, "normal": 0.1},
                      "sla": {"normal": "60s"}}}
    document = scenario(workload=[work], duration="2000s",
                        steady_state=[{"sla_compliance": {"priority": "normal", "min": 0}}])
    on, off = on_and_off(document, "htm.escalation")
    assert fired(on, "sla_escalation") > 0 and fired(off, "sla_escalation") == 0
    missed_on, missed_off = (1 - probe(result, "sla_compliance").value for result in (on, off))
    assert missed_off > 1.25 * missed_on and missed_off - missed_on > 0.01


def test_preemption_serves_critical_tasks_within_their_sla_behind_long_normal_work():
    long_work = {"tasks": {"rate": "0.35/s", "service": {"exponential": "10s"}}}
    critical = {"tasks": {"rate": "0.1/s", "service": {"exponential": "0.5s"}, "priority_mix": {"critical": 1.0},
                          "sla": {"critical": "5s"}}}
    document = scenario(workload=[long_work, critical], duration="1000s",
                        steady_state=[{"sla_compliance": {"priority": "critical", "min": 0.99}},
                                      {"latency": {"priority": "critical", "quantile": 0.99, "max": "5s"}}])
    on, off = on_and_off(document, "htm.preemption")
    assert_protects(on, off, "preemption", "sla_compliance")
    assert probe(off, "latency").value > 2 * probe(on, "latency").value
