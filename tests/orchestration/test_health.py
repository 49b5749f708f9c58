"""The health model's vitals and stress levels."""
from __future__ import annotations

import pytest

from chaosbench.orchestration.tasks.model import Priority

from .helpers import build


def _stack(**health):
    health = {"smoothing": 1.0, "backlog_capacity": 1000, **health}
    return build({"htm": {"workers": 4}, "health": health, "immune": {"enabled": False}})


def test_cpu_follows_the_busy_share_and_memory_the_backlog():
    runtime, stack = _stack()
    stack.pause_dispatcher()
    for _ in range(500):
        stack.enqueue("t", Priority.LOW, 10.0, 1e6)
    stack.resume_dispatcher()
    stack.health.read()
    health = stack.health
    assert health.cpu == pytest.approx(10.0 + 65.0)       # all four workers busy
    assert health.backlog == 496
    assert health.memory == pytest.approx(30.0 + 50.0 * 496 / 1000)
    assert health.latency == pytest.approx(0.05 * (1 + 496 / 4))
    assert health.stress == "medium"


def test_a_full_backlog_is_high_stress_and_injected_pressure_adds_to_the_load():
    runtime, stack = _stack()
    stack.pause_dispatcher()
    for _ in range(1100):
        stack.enqueue("t", Priority.LOW, 1.0, 1e6)
    assert stack.health.read() == 2  # memory 85%: past the 82% that is high
    stack.set_pressure(memory=20.0)
    assert stack.health.memory == 100.0 and stack.health.stress == "critical"


@pytest.mark.parametrize("cpu, level", [(0.0, "low"), (55.0, "medium"), (75.0, "high"), (90.0, "critical")])
def test_stress_levels_follow_the_thresholds(cpu, level):
    runtime, stack = _stack()
    stack.set_pressure(cpu=cpu)  # idle pool: 10% CPU from the model
    assert stack.health.stress == level


def test_the_watchdog_sees_a_stalled_dispatch_when_every_worker_is_gone():
    runtime, stack = build({"htm": {"workers": 2}, "pool": {"restart_delay": None}, "immune": {"enabled": False}})
    runtime.env.run(until=10.0)
    stack.kill_workers(2)
    for _ in range(10):
        stack.enqueue("t", Priority.NORMAL, 1.0, 1e6)
    runtime.env.run(until=60.0)
    assert stack.watchdog.alerts["dispatch_stalled"] >= 2 and stack.watchdog.alerts["workers_low"] >= 2
