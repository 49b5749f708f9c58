"""The task manager's safeguards: escalation, breaches, preemption, shedding, stacking, throttling."""
from __future__ import annotations

import math

import pytest

from chaosbench.orchestration.tasks.model import Priority, TaskContext

from .helpers import NO_CONTENTION, at, build, rows


def _counts(runtime, key):
    return runtime.recorder.counts.get(key, 0)


def test_escalation_happens_at_exactly_ninety_percent_of_the_sla():
    runtime, stack = build({"htm": {"workers": 1, "preemption": {"enabled": False}}})
    stack.enqueue("blocker", Priority.CRITICAL, 500.0, 1000.0)
    waiting = stack.enqueue("deploy_model", Priority.HIGH, 1.0, 100.0)
    runtime.env.run(until=89.9999)
    assert waiting.priority == Priority.HIGH and waiting.escalated == 0
    runtime.env.run(until=90.0001)
    assert waiting.priority == Priority.CRITICAL and waiting.escalated == 1
    assert _counts(runtime, "safeguard.sla_escalation") == 1


def test_a_waiting_low_task_climbs_one_level_each_time_ninety_percent_of_what_is_left_passes():
    runtime, stack = build({"htm": {"workers": 1, "preemption": {"enabled": False}}})
    stack.enqueue("blocker", Priority.CRITICAL, 500.0, 1000.0)
    task = stack.enqueue("chore", Priority.LOW, 1.0, 100.0)
    seen = []
    for when in (89.99, 90.01, 98.99, 99.01, 99.89, 99.91):
        runtime.env.run(until=when)
        seen.append(int(task.priority))
    assert seen == [3, 2, 2, 1, 1, 0]


def test_the_escalator_does_not_hold_on_to_finished_tasks():
    runtime, stack = build({"htm": {"workers": 1}, "health": NO_CONTENTION})
    for second in range(12_000):
        stack.enqueue("first", Priority.NORMAL, 0.25, 1e6)
        stack.enqueue("second", Priority.NORMAL, 0.25, 1e6)  # waits for the first: watched until its due
        runtime.env.run(until=second + 1)
    assert stack.htm.completed == 24_000
    # Each second task left an entry due in 250 simulated hours; those of finished tasks are swept out.
    assert len(stack.htm.escalator._heap) <= 4_096


def test_without_escalation_a_waiting_task_keeps_its_priority():
    runtime, stack = build({"htm": {"workers": 1, "escalation": {"enabled": False}}})
    stack.enqueue("blocker", Priority.CRITICAL, 500.0, 1000.0)
    task = stack.enqueue("deploy_model", Priority.HIGH, 1.0, 100.0)
    runtime.env.run(until=200)
    assert task.priority == Priority.HIGH and task.escalated == 0


def test_a_breached_task_is_counted_once():
    runtime, stack = build({"htm": {"workers": 1}})
    stack.enqueue("blocker", Priority.CRITICAL, 200.0, 1000.0)
    late = stack.enqueue("deploy_model", Priority.HIGH, 1.0, 100.0)
    runtime.env.run(until=150)
    assert stack.htm.breaches == 1  # seen at the deadline while still waiting
    runtime.env.run(until=5000)
    assert late.finished_at == 201.0
    assert stack.htm.breaches == 1 and _counts(runtime, "htm.sla_breach") == 1


def test_a_critical_arrival_preempts_a_normal_task_which_later_completes_only_its_remaining_work():
    runtime, stack = build({"htm": {"workers": 2}})
    first = stack.enqueue("normal", Priority.NORMAL, 10.0, 3600.0)
    second = stack.enqueue("normal", Priority.NORMAL, 10.0, 3600.0)
    at(runtime, 4.0, lambda: stack.enqueue("incident", Priority.CRITICAL, 1.0, 300.0))
    runtime.env.run(until=5000)
    table = rows(runtime)
    assert table.loc[2, "started_at"] == 4.0
    assert table.loc[2, "finished_at"] == 5.0
    preempted = table.loc[first.task_id]
    # 4 s done before the preemption, 6 s owed after the critical task's 1 s.
    assert preempted["started_at"] == 0.0 and preempted["finished_at"] == 11.0
    assert preempted["attempts"] == 2 and preempted["outcome"] == "completed"
    assert table.loc[second.task_id, "finished_at"] == 10.0
    assert _counts(runtime, "safeguard.preemption") == 1


def test_without_preemption_a_critical_arrival_waits_for_a_free_worker():
    runtime, stack = build({"htm": {"workers": 2, "preemption": {"enabled": False}}})
    stack.enqueue("normal", Priority.NORMAL, 10.0, 3600.0)
    stack.enqueue("normal", Priority.NORMAL, 10.0, 3600.0)
    at(runtime, 4.0, lambda: stack.enqueue("incident", Priority.CRITICAL, 1.0, 300.0))
    runtime.env.run(until=5000)
    assert rows(runtime).loc[2, "started_at"] == 10.0


def test_a_critical_arrival_never_preempts_high_or_critical_work():
    runtime, stack = build({"htm": {"workers": 1}})
    stack.enqueue("high", Priority.HIGH, 10.0, 3600.0)
    at(runtime, 4.0, lambda: stack.enqueue("incident", Priority.CRITICAL, 1.0, 300.0))
    runtime.env.run(until=5000)
    assert rows(runtime).loc[1, "started_at"] == 10.0


def test_shedding_removes_the_lowest_priority_oldest_tasks_first_and_never_a_critical_one():
    runtime, stack = build({"htm": {"workers": 1, "shedding": {"critical_depth": 3}}})
    stack.pause_dispatcher()
    kinds = ["low_old", "low_new", "normal", "critical_a", "critical_b", "critical_c", "critical_d"]
    priorities = [Priority.LOW, Priority.LOW, Priority.NORMAL] + [Priority.CRITICAL] * 4
    for kind, priority in zip(kinds, priorities, strict=True):
        stack.enqueue(kind, priority, 1.0, 3600.0)
    stack.close()
    table = runtime.recorder.frame("tasks")
    shed = table[table["outcome"] == "shed"]
    assert shed["kind"].tolist() == ["low_old", "low_new", "normal"]
    assert stack.htm.depth() == 0
    assert (table["kind"].str.startswith("critical") == (table["outcome"] == "in_flight")).all()
    assert _counts(runtime, "safeguard.load_shedder") == 3


def test_without_the_shedder_the_queue_grows_past_the_critical_depth():
    runtime, stack = build({"htm": {"workers": 1, "shedding": {"enabled": False, "critical_depth": 3}}})
    stack.pause_dispatcher()
    for _ in range(10):
        stack.enqueue("low", Priority.LOW, 1.0, 3600.0)
    assert stack.htm.depth() == 10


def test_context_stacking_batches_tasks_of_one_origin_on_one_worker():
    runtime, stack = build({"htm": {"workers": 1}})
    first = stack.enqueue("ingest", Priority.NORMAL, 1.0, 3600.0, context=TaskContext(origin_service="librarian"))
    other = stack.enqueue("ingest", Priority.NORMAL, 1.0, 3600.0, origin="crawler")
    second = stack.enqueue("ingest", Priority.NORMAL, 1.0, 3600.0, context=TaskContext(origin_service="librarian"))
    runtime.env.run(until=5000)
    table = rows(runtime)
    assert table.loc[second.task_id, "started_at"] == 1.0
    assert table.loc[other.task_id, "started_at"] == 2.0
    assert table.loc[first.task_id, "batch"] == table.loc[second.task_id, "batch"] != table.loc[other.task_id, "batch"]


def test_context_stacking_never_takes_a_lower_priority_than_the_one_due():
    runtime, stack = build({"htm": {"workers": 1}})
    stack.enqueue("a", Priority.NORMAL, 1.0, 3600.0, origin="librarian")
    low = stack.enqueue("b", Priority.LOW, 1.0, 3600.0, origin="librarian")
    high = stack.enqueue("c", Priority.HIGH, 1.0, 3600.0, origin="crawler")
    runtime.env.run(until=5000)
    table = rows(runtime)
    assert table.loc[high.task_id, "started_at"] == 1.0 and table.loc[low.task_id, "started_at"] == 2.0


def test_context_stacking_stops_at_the_batch_limit():
    runtime, stack = build({"htm": {"workers": 1, "stacking": {"limit": 2}}})
    stack.enqueue("a", Priority.NORMAL, 1.0, 3600.0, origin="librarian")
    stack.enqueue("x", Priority.NORMAL, 1.0, 3600.0, origin="crawler")
    for _ in range(3):
        stack.enqueue("a", Priority.NORMAL, 1.0, 3600.0, origin="librarian")
    runtime.env.run(until=5000)
    order = runtime.recorder.frame("tasks").sort_values("started_at")["origin"].tolist()
    assert order == ["librarian", "librarian", "crawler", "librarian", "librarian"]


def test_without_stacking_tasks_are_served_in_arrival_order():
    runtime, stack = build({"htm": {"workers": 1, "stacking": {"enabled": False}}})
    for origin in ("librarian", "crawler", "librarian"):
        stack.enqueue("ingest", Priority.NORMAL, 1.0, 3600.0, origin=origin)
    runtime.env.run(until=5000)
    assert rows(runtime)["started_at"].tolist() == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("stacking, finished", [(True, [2.0, 3.0, 5.0]), (False, [2.0, 4.0, 6.0])])
def test_a_worker_loads_the_context_of_another_origin_first_and_stacking_loads_it_once_a_batch(stacking, finished):
    runtime, stack = build({"htm": {"workers": 1, "context_switch": 1.0, "stacking": {"enabled": stacking}},
                            "health": NO_CONTENTION})
    for origin in ("librarian", "crawler", "librarian"):
        stack.enqueue("ingest", Priority.NORMAL, 1.0, 3600.0, origin=origin)
    runtime.env.run(until=5000)
    assert sorted(rows(runtime)["finished_at"]) == finished


def test_work_of_no_origin_loads_no_context():
    runtime, stack = build({"htm": {"workers": 1, "context_switch": 1.0}, "health": NO_CONTENTION})
    for _ in range(2):
        stack.enqueue("ingest", Priority.NORMAL, 1.0, 3600.0)
    runtime.env.run(until=5000)
    assert sorted(rows(runtime)["finished_at"]) == [1.0, 2.0]


@pytest.mark.parametrize("enabled, expected", [(True, 4.0), (False, 2.0)])
def test_throttling_delays_normal_dispatch_while_stressed(enabled, expected):
    # Pressure makes stress; contention off keeps service at its nominal pace.
    runtime, stack = build({"htm": {"workers": 1, "throttle": {"enabled": enabled}}, "health": NO_CONTENTION})
    stack.set_pressure(cpu=100.0)
    high = stack.enqueue("high", Priority.HIGH, 1.0, 3600.0)
    normal = stack.enqueue("normal", Priority.NORMAL, 1.0, 3600.0)
    runtime.env.run(until=100)
    assert high.finished_at == 1.0
    assert normal.finished_at == expected
    assert _counts(runtime, "safeguard.throttle") == (1 if enabled else 0)


@pytest.mark.parametrize("enabled, high_done, normal_done", [(True, 1.5, 4.5), (False, 2.0, 1.0)])
def test_a_high_task_takes_the_worker_of_a_normal_task_still_in_its_throttle_delay(enabled, high_done, normal_done):
    # Pressure makes stress; contention off keeps service at its nominal pace.
    runtime, stack = build({"htm": {"workers": 1, "throttle": {"enabled": enabled}}, "health": NO_CONTENTION})
    stack.set_pressure(cpu=100.0)
    normal = stack.enqueue("normal", Priority.NORMAL, 1.0, 3600.0)
    runtime.env.run(until=0.5)
    high = stack.enqueue("high", Priority.HIGH, 1.0, 3600.0)
    runtime.env.run(until=100)
    assert high.finished_at == high_done
    # Put back unstarted, the normal task is throttled again when the worker frees up.
    assert normal.finished_at == normal_done
    assert normal.attempts == 1
    assert _counts(runtime, "htm.throttle_yields") == (1 if enabled else 0)


def test_no_throttling_once_the_pressure_is_gone():
    runtime, stack = build({"htm": {"workers": 1}})
    stack.set_pressure(cpu=100.0)
    stack.set_pressure(cpu=0.0)
    runtime.env.run(until=30)  # let the smoothed CPU settle
    task = stack.enqueue("normal", Priority.NORMAL, 1.0, 3600.0)
    runtime.env.run(until=100)
    assert task.finished_at == 31.0


@pytest.mark.parametrize(
    "kind, work, sla",
    [("", 1.0, 10.0), ("bad kind!", 1.0, 10.0), ("t", -1.0, 10.0), ("t", math.inf, 10.0), ("t", 1.0, 0.0),
     ("t", 1.0, math.nan), ("t", "soon", 10.0)],
)
def test_invalid_tasks_are_rejected_at_the_door(kind, work, sla):
    runtime, stack = build()
    stack.enqueue(kind, Priority.NORMAL, work, sla)
    runtime.env.run(until=10)
    table = runtime.recorder.frame("tasks")
    assert table["outcome"].tolist() == ["rejected"]
    assert stack.htm.arrived == 0


def test_an_unknown_risk_level_is_rejected():
    runtime, stack = build()
    stack.enqueue("t", Priority.NORMAL, 1.0, 10.0, context=TaskContext(risk_level="spicy"))
    assert runtime.recorder.frame("tasks")["outcome"].tolist() == ["rejected"]


def test_a_paused_dispatcher_starts_nothing_until_resumed():
    runtime, stack = build({"safeguards": False, "htm": {"workers": 2}})
    stack.pause_dispatcher()
    for _ in range(3):
        stack.enqueue("t", Priority.NORMAL, 1.0, 3600.0)
    at(runtime, 5.0, stack.resume_dispatcher)
    runtime.env.run(until=5000)
    assert sorted(rows(runtime)["started_at"]) == [5.0, 5.0, 6.0]


def test_a_critical_arrival_does_not_preempt_while_the_dispatcher_is_paused():
    runtime, stack = build({"htm": {"workers": 1}})
    normal = stack.enqueue("normal", Priority.NORMAL, 10.0, 3600.0)
    at(runtime, 1.0, stack.pause_dispatcher)
    at(runtime, 2.0, lambda: stack.enqueue("incident", Priority.CRITICAL, 1.0, 300.0))
    runtime.env.run(until=5.0)
    assert normal.attempts == 1 and stack.htm.depth(Priority.CRITICAL) == 1
