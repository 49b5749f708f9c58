"""A subscription to the event bus: its topic pattern, handler, queue in transit and counters.

A pattern's ``*`` matches any run of characters (``kpi.*``, ``*.critical_error``, ``*``).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from typing import Any

import simpy

from chaosbench.orchestration.mesh.events import Event

Handler = Callable[[Event], None]


def compile_pattern(pattern: str) -> Callable[[str], bool]:
    """A matcher for a topic pattern where ``*`` matches any run of characters."""
    if "*" not in pattern:
        return pattern.__eq__
    regex = re.compile(".*".join(re.escape(part) for part in pattern.split("*")) + r"\Z", re.S)
    return lambda topic: regex.match(topic) is not None


class Subscription:
    """One subscriber: its pattern, handler, queue and counters."""

    __slots__ = (
        "name",
        "pattern",
        "handler",
        "capacity",
        "matches",
        "queue",
        "waiting",
        "pending",
        "next_free",
        "delivered",
        "dropped",
        "blocked",
        "max_depth",
        "stalled",
        "last_seen",
        "timer",
    )

    def __init__(self, name: str, pattern: str, handler: Handler, capacity: int) -> None:
        self.name = name
        self.pattern = pattern
        self.handler = handler
        self.capacity = capacity
        self.matches = compile_pattern(pattern)
        self.queue: deque[tuple[float, Event]] = deque()
        self.waiting: deque[Event] = deque()
        self.pending = False
        self.next_free = 0.0
        self.delivered = 0
        self.dropped = 0
        self.blocked = 0
        self.max_depth = 0
        # With ordering: per source, its events waiting behind one held back in transit.
        self.stalled: dict[str, deque[Event]] = {}
        # Once reordering was switched on: per source, the publish time of its latest delivered event.
        self.last_seen: dict[str, float] | None = None
        # The timeout that delivers the head of the queue, made on first use and rescheduled once it has fired.
        self.timer: simpy.Timeout | None = None

    @property
    def depth(self) -> int:
        """Events in transit to this subscriber, including those held by backpressure."""
        return len(self.queue) + len(self.waiting)

    def stats(self) -> dict[str, Any]:
        return {
            "pattern": self.pattern,
            "delivered": self.delivered,
            "dropped": self.dropped,
            "blocked": self.blocked,
            "depth": self.depth,
            "max_depth": self.max_depth,
            "capacity": self.capacity,
        }
