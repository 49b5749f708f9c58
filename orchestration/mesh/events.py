"""Events: what travels on the bus.

An event is identified by ``(source, id)``: a redelivery of the same event
carries the same pair, which is what deduplication keys on. ``depth`` counts
how many reactions (policy rules, workflows) separate the event from an
outside cause; it is how cascades are measured.
"""

from __future__ import annotations

from typing import Any


class Event:
    """One published event. Treat it as immutable once published."""

    __slots__ = ("source", "id", "type", "time", "payload", "depth")

    def __init__(
        self,
        source: str,
        id: str | int,
        type: str,
        time: float,
        payload: dict[str, Any],
        depth: int = 0,
    ) -> None:
        self.source = source
        self.id = id
        self.type = type
        self.time = time
        self.payload = payload
        self.depth = depth

    @property
    def key(self) -> tuple[str, str | int]:
        """The deduplication identity ``(source, id)``."""
        return (self.source, self.id)

    def __repr__(self) -> str:
        return f"Event({self.source!r}, {self.id!r}, {self.type!r}, t={self.time}, depth={self.depth})"
