"""The timeseries sampler takes its samples between events, each once every event at its time has happened."""
from __future__ import annotations

from chaosbench.orchestration.stack import Stack
from chaosbench.orchestration.tasks.model import Priority
from chaosbench.sim.run.runner import advance
from chaosbench.sim.run.sampler import Sampler
from tests.orchestration.helpers import at, build

PLAIN = {"safeguards": "off"}


def _stack_with_a_task_from(start: float, work: float) -> Stack:
    runtime, stack = build(PLAIN)
    at(runtime, start, lambda: stack.enqueue("job", Priority.NORMAL, work, 100.0))
    return stack


def _samples(stack: Stack, until: float) -> list[tuple[float, int]]:
    sampler = Sampler(stack, 1.0)
    advance(stack.runtime.env, until, sampler=sampler)
    rows = stack.runtime.recorder.frame("timeseries")
    return list(zip(rows["time"], rows["workers_busy"], strict=True))


def test_a_sample_shows_what_happened_at_its_own_time():
    # Busy from 2.0 (an arrival at the sample's time) until 4.0 (a completion at the sample's time).
    assert _samples(_stack_with_a_task_from(2.0, 2.0), 6.0) == [
        (0.0, 0), (1.0, 0), (2.0, 1), (3.0, 1), (4.0, 0), (5.0, 0)]


def test_samples_are_no_events_of_the_run():
    stack = _stack_with_a_task_from(2.0, 2.0)
    assert advance(stack.runtime.env, 6.0, sampler=Sampler(stack, 1.0)) == 2  # the arrival and the completion
    assert stack.runtime.env.now == 6.0


def test_sample_times_are_multiples_of_the_interval_without_drift():
    stack = build(PLAIN)[1]
    sampler = Sampler(stack, 0.1)
    advance(stack.runtime.env, 1000.0, sampler=sampler)
    times = stack.runtime.recorder.frame("timeseries")["time"]
    assert len(times) == 10_000 and list(times[:4]) == [0.0, 0.1, 0.2, 0.30000000000000004]
    assert times.iloc[-1] == 9999 * 0.1
