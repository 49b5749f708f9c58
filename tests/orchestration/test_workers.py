"""Worker kills, restarts and relief agents."""
from __future__ import annotations

import random

from chaosbench.orchestration.tasks.model import Priority
from chaosbench.sim.checks.invariants import task_conservation

from .helpers import at, build, rows


def _load(stack, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    for _ in range(n):
        stack.enqueue("job", Priority(rng.randrange(4)), rng.uniform(1.0, 20.0), 86400.0)


def test_killing_half_the_workers_mid_run_loses_no_task_and_every_interrupted_task_completes_later():
    runtime, stack = build({"htm": {"workers": 8, "preemption": {"enabled": False}}})
    _load(stack, 200)
    killed = []
    at(runtime, 30.0, lambda: killed.extend(stack.kill_workers(4)))
    runtime.env.run(until=5000)
    stack.close()
    table = rows(runtime)
    assert len(killed) == 4
    held, detail = task_conservation(runtime, stack, table.reset_index())
    assert held, detail
    interrupted = table[table["attempts"] > 1]
    assert len(interrupted) == 4
    assert (interrupted["outcome"] == "completed").all()
    assert (table["outcome"] == "completed").all()
    assert runtime.recorder.counts["safeguard.worker_reassignment"] == 4


def test_without_reassignment_a_killed_workers_task_fails_but_is_still_accounted_for():
    runtime, stack = build({"htm": {"workers": 4}, "pool": {"reassignment": {"enabled": False}}})
    _load(stack, 50)
    at(runtime, 5.0, lambda: stack.kill_workers(2))
    runtime.env.run(until=5000)
    stack.close()
    table = runtime.recorder.frame("tasks")
    assert (table["outcome"] == "failed").sum() == 2
    assert task_conservation(runtime, stack, table)[0]


def test_a_killed_worker_restarts_after_the_delay():
    runtime, stack = build({"htm": {"workers": 4}, "pool": {"restart_delay": 30.0}, "immune": {"enabled": False}})
    at(runtime, 10.0, lambda: stack.kill_workers(3))
    runtime.env.run(until=39.9)
    assert stack.htm.workers == 1
    runtime.env.run(until=40.1)
    assert stack.htm.workers == 4


def test_the_killed_workers_are_drawn_from_the_named_stream():
    picks = []
    for _ in range(2):
        runtime, stack = build({"htm": {"workers": 10}}, seed=3)
        picks.append(stack.kill_workers(5))
    assert picks[0] == picks[1]
    runtime, stack = build({"htm": {"workers": 10}}, seed=4)
    assert stack.kill_workers(5) != picks[0]


def test_a_task_interrupted_max_attempts_times_is_dead_lettered():
    runtime, stack = build({"htm": {"workers": 1, "max_attempts": 2}, "pool": {"restart_delay": 1.0}})
    stack.enqueue("fragile", Priority.NORMAL, 100.0, 86400.0)
    at(runtime, 5.0, lambda: stack.kill_workers(1))
    at(runtime, 10.0, lambda: stack.kill_workers(1))
    runtime.env.run(until=500)
    stack.close()
    table = runtime.recorder.frame("tasks")
    assert table["outcome"].tolist() == ["dead_lettered"]
    assert table["attempts"].tolist() == [2]


def test_relief_agents_are_spawned_under_stress_up_to_the_cap_and_retire_when_calm():
    runtime, stack = build({"htm": {"workers": 2}, "pool": {"relief": {"max_agents": 2, "cooldown": 5.0}}}, relief=True)
    stack.set_pressure(cpu=100.0)
    runtime.env.run(until=60)
    assert stack.htm.workers == 4
    assert runtime.recorder.counts["safeguard.relief_agent"] == 2
    stack.set_pressure(cpu=0.0)
    runtime.env.run(until=200)
    assert stack.htm.workers == 2


def test_without_relief_agents_stress_adds_no_worker():
    runtime, stack = build({"htm": {"workers": 2}, "pool": {"relief": {"enabled": False}}}, relief=True)
    stack.set_pressure(cpu=100.0)
    runtime.env.run(until=60)
    assert stack.htm.workers == 2


def test_added_workers_take_waiting_work_at_once():
    runtime, stack = build({"htm": {"workers": 1}})
    for _ in range(3):
        stack.enqueue("t", Priority.NORMAL, 10.0, 86400.0)
    at(runtime, 1.0, lambda: stack.add_workers(2))
    runtime.env.run(until=100)
    assert sorted(rows(runtime)["started_at"]) == [0.0, 1.0, 1.0]
