"""The run loop sets the garbage collector up for a run and leaves it as it found it."""
from __future__ import annotations

import gc

import simpy

from chaosbench.sim.run.runner import advance


def _a_few_events() -> simpy.Environment:
    env = simpy.Environment()
    for delay in (1.0, 2.0, 3.0):
        env.timeout(delay)
    return env


def test_objects_frozen_for_the_run_are_unfrozen_after_it():
    assert gc.get_freeze_count() == 0
    assert advance(_a_few_events(), 10.0) == 3
    assert gc.get_freeze_count() == 0


def test_objects_someone_else_froze_stay_frozen():
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        advance(_a_few_events(), 10.0)
        # Still frozen (a frozen object that dies leaves the count, so it may drop by a few, not to 0).
        assert gc.get_freeze_count() > frozen // 2
    finally:
        gc.unfreeze()


def test_the_young_objects_are_scanned_less_often_during_the_run_and_as_before_after_it():
    before = gc.get_threshold()
    env = _a_few_events()
    seen = []
    env.timeout(1.5).callbacks.append(lambda _event: seen.append(gc.get_threshold()))
    advance(env, 10.0)
    assert seen[0][0] >= 100_000 > before[0] and seen[0][1:] == before[1:]
    assert gc.get_threshold() == before
