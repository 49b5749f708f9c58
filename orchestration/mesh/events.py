"""Events: what travels on the bus.

An event is identified by ``(source, id)``: a redelivery of the same event
carries the same pair, which is what deduplication keys on. ``depth`` counts
how many reactions (policy rules, workflows) separate the event from an
outside cause; it is how cascades are measured.

The bus that checked an event's payload leaves its verdict on the event
(``checked_by``, the schemas it used, and ``problem``), so a later check
against the same schemas reads it rather than checking again.
"""

from __future__ import annotations

from typing import Any


class Event:
    """One published event. Treat it as immutable once published."""

    __slots__ = ("source", "id", "type", "time", "payload", "depth", "checked_by", "problem")

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
        self.checked_by: object = None
        self.problem: str | None = None

    @property
    def key(self) -> tuple[str, str | int]:
        """The deduplication identity ``(source, id)``."""
        return (self.source, self.id)

    def __repr__(self) -> str:
        return f"Event({self.source!r}, {self.id!r}, {self.type!r}, t={self.time}, depth={self.depth})"
