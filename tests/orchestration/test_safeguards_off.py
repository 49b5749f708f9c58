"""With ``safeguards: off`` the stack is the plain queue the theory describes."""
from __future__ import annotations

import random

from chaosbench.orchestration.tasks.model import Priority

from .helpers import at, build


def _load(stack, seed=3, n=300):
    rng = random.Random(seed)
    clock = 0.0
    for _ in range(n):
        clock += rng.expovariate(3.0)
        priority, work, sla = Priority(rng.randrange(4)), rng.expovariate(1.0), rng.uniform(50.0, 500.0)
        at(stack.runtime, clock, lambda p=priority, w=work, s=sla: stack.enqueue("job", p, w, s, origin="same"))


def test_no_safeguard_fires_and_the_simulation_ends_when_the_work_does():
    runtime, stack = build({"safeguards": False, "htm": {"workers": 2}})
    _load(stack)
    runtime.env.run()  # returns: no watchdog, health or relief process keeps the clock going
    stack.close()
    assert not [key for key in runtime.recorder.counts if key.startswith("safeguard.")]
    table = runtime.recorder.frame("tasks")
    assert (table["outcome"] == "completed").all()
    assert (table["attempts"] == 1).all() and (table["escalated"] == 0).all() and (table["batch"] == -1).all()


def test_the_same_load_with_safeguards_on_is_changed_by_them():
    runtime, stack = build({"htm": {"workers": 2}})
    _load(stack)
    at(runtime, 30.0, lambda: stack.set_pressure(cpu=100.0, memory=100.0))
    runtime.env.run(until=2000)
    fired = {key for key in runtime.recorder.counts if key.startswith("safeguard.")}
    assert {"safeguard.sla_escalation", "safeguard.preemption", "safeguard.throttle"} <= fired


def test_one_safeguard_can_be_turned_back_on_under_the_master_switch():
    runtime, stack = build({"safeguards": False, "htm": {"workers": 1, "preemption": {"enabled": True}}})
    stack.enqueue("normal", Priority.NORMAL, 10.0, 3600.0)
    at(runtime, 1.0, lambda: stack.enqueue("incident", Priority.CRITICAL, 1.0, 300.0))
    runtime.env.run()
    assert runtime.recorder.counts["safeguard.preemption"] == 1
