"""The task manager with no safeguards: a non-preemptive priority queue, FIFO within a priority."""
from __future__ import annotations

from chaosbench.orchestration.config import StackConfig
from chaosbench.orchestration.stack import Stack
from chaosbench.orchestration.tasks.model import Priority
from chaosbench.sim.run.runtime import SimRuntime


def _stack(workers: int) -> tuple[SimRuntime, Stack]:
    runtime = SimRuntime(0)
    config = StackConfig.model_validate({"safeguards": False, "htm": {"workers": workers}, "boot": {"chunks": []}})
    return runtime, Stack(runtime, config)


def _started(runtime: SimRuntime) -> dict[int, float]:
    runtime.env.run()
    tasks = runtime.recorder.frame("tasks")
    return dict(zip(tasks["task_id"], tasks["started_at"], strict=True))


def test_higher_priority_waiting_tasks_are_served_first():
    runtime, stack = _stack(1)
    stack.enqueue("blocker", Priority.LOW, 10.0, 3600)
    low = stack.enqueue("low", Priority.LOW, 1.0, 3600)
    critical = stack.enqueue("critical", Priority.CRITICAL, 1.0, 3600)
    started = _started(runtime)
    assert started[critical.task_id] == 10.0
    assert started[low.task_id] == 11.0


def test_tasks_of_one_priority_are_served_in_arrival_order():
    runtime, stack = _stack(1)
    ids = [stack.enqueue("t", Priority.NORMAL, 1.0, 3600).task_id for _ in range(5)]
    started = _started(runtime)
    assert [started[i] for i in ids] == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_a_running_task_is_never_interrupted_by_a_critical_arrival():
    runtime, stack = _stack(1)
    normal = stack.enqueue("normal", Priority.NORMAL, 5.0, 3600)

    def arrive_later():
        yield runtime.env.timeout(1.0)
        stack.enqueue("critical", Priority.CRITICAL, 1.0, 3600)

    runtime.env.process(arrive_later())
    runtime.env.run()
    tasks = runtime.recorder.frame("tasks").set_index("task_id")
    assert tasks.loc[normal.task_id, "finished_at"] == 5.0
    assert tasks.loc[1, "started_at"] == 5.0


def test_every_worker_is_used_before_any_task_waits():
    runtime, stack = _stack(3)
    for _ in range(4):
        stack.enqueue("t", Priority.NORMAL, 2.0, 3600)
    started = _started(runtime)
    assert sorted(started.values()) == [0.0, 0.0, 0.0, 2.0]


def test_unfinished_tasks_are_recorded_as_in_flight_at_close():
    runtime, stack = _stack(1)
    stack.enqueue("t", Priority.NORMAL, 5.0, 3600)
    stack.enqueue("t", Priority.NORMAL, 5.0, 3600)
    runtime.env.run(until=1.0)
    stack.close()
    tasks = runtime.recorder.frame("tasks")
    assert tasks["outcome"].tolist() == ["in_flight", "in_flight"]
    assert tasks["started_at"].isna().tolist() == [False, True]
