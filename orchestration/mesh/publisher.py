"""A component's voice on the bus: events under one source name, numbered in order.

Every component that reports what it observes (the watchdog, the heartbeat
monitor, the immune kernel, the task manager...) publishes through its own
:class:`Publisher`, so its events carry its name as ``source`` and ids that
count up from 1: together the ``(source, id)`` identity deduplication keys on.
An event published in reaction to another is one level deeper than its cause,
which is how cascades are measured.
"""
from __future__ import annotations

from typing import Any, Protocol

from chaosbench.orchestration.mesh.events import Event


class Bus(Protocol):
    """What a publisher needs of the event bus."""

    def publish(self, event: Event) -> None:
        """Send ``event`` to its subscribers."""


class Clock(Protocol):
    @property
    def now(self) -> float:
        """The current simulated time."""


class Publisher:
    """Publishes events as ``source`` on ``bus``."""

    __slots__ = ("source", "_bus", "_clock", "_last_id")

    def __init__(self, bus: Bus, clock: Clock, source: str) -> None:
        self.source = source
        self._bus = bus
        self._clock = clock
        self._last_id = 0

    def publish(self, event_type: str, payload: dict[str, Any], cause: Event | None = None) -> Event:
        """Publish ``event_type`` with ``payload`` now, one level deeper than ``cause`` when given."""
        self._last_id += 1
        depth = 0 if cause is None else cause.depth + 1
        event = Event(self.source, self._last_id, event_type, float(self._clock.now), payload, depth)
        self._bus.publish(event)
        return event
