"""Periodic work on one event: what a process looping over ``yield timeout(interval)`` does, for less.

A callback costs far less than resuming a generator, and one event that
SimPy takes off its queue and the callback puts back costs less than a
timeout built for every tick. The calls, and their order among other
events, are those of the loop.
"""
from __future__ import annotations

from collections.abc import Callable

import simpy
from simpy.events import NORMAL


def every(env: simpy.Environment, interval: float, action: Callable[[], object]) -> None:
    """Call ``action`` every ``interval`` simulated seconds, the first time ``interval`` from now."""
    schedule = env.schedule
    callbacks: list[Callable[[simpy.Event], None]] = []

    def tick(event: simpy.Event) -> None:
        action()
        event.callbacks = callbacks  # SimPy has taken the event off its queue and its callbacks away
        schedule(event, NORMAL, interval)

    callbacks.append(tick)
    env.timeout(interval).callbacks = callbacks
