"""The same seed and the same controls give the same run, task side included."""
from __future__ import annotations

from chaosbench.orchestration.tasks.model import Priority, TaskContext

from .helpers import at, build


def _run(seed: int):
    runtime, stack = build({"htm": {"workers": 3}, "operator": {"median_response": 5.0}}, seed=seed, relief=True)
    rng = runtime.rng("test.load")
    for i in range(300):
        when = rng.uniform(0.0, 200.0)
        priority = Priority(rng.randrange(4))
        context = TaskContext(origin_service=f"svc{i % 3}", requires_approval=rng.random() < 0.05)
        work = rng.expovariate(0.5)  # drawn here, in the order the digest pins
        at(runtime, when, lambda p=priority, c=context, w=work: stack.enqueue("job", p, w, 120.0, context=c))
    at(runtime, 50.0, lambda: stack.kill_workers(2))
    at(runtime, 60.0, lambda: stack.set_pressure(cpu=95.0))
    at(runtime, 70.0, stack.pause_dispatcher)
    at(runtime, 80.0, lambda: stack.submit_intent("change_charter", "governance"))
    at(runtime, 90.0, lambda: stack.take_kernel_down("hunter"))
    runtime.env.run(until=600.0)
    stack.close()
    return runtime.trace.digest(), runtime.recorder.frame("tasks"), dict(runtime.recorder.counts)


def test_the_same_seed_gives_the_same_digest_tasks_and_counts():
    first, second = _run(5), _run(5)
    assert first[0] == second[0]
    assert first[1].equals(second[1])
    assert first[2] == second[2]


def test_another_seed_gives_another_run():
    assert _run(5)[0] != _run(6)[0]
