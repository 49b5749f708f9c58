"""The event router: from delivered events to triggered workflows.

The router listens to the event types that trigger enabled workflows. For
each event it finds those workflows, drops a redelivery of a ``(source, id)``
already seen inside the dedup window, checks the payload against the event
schema, applies each workflow's filters and its rate limit (a fixed window
of simulated time admitting at most ``max_events``), and hands what passes
to the engine. It keeps the
statistics of the trigger mesh and a per-second summary table ``events``.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import Any

from pydantic import Field

from chaosbench.orchestration.core.sections import Safeguard, Section
from chaosbench.orchestration.core.wiring import Wiring
from chaosbench.orchestration.mesh.bus import EventBus
from chaosbench.orchestration.mesh.events import Event
from chaosbench.orchestration.mesh.registry import WorkflowRegistry
from chaosbench.orchestration.mesh.workflow_spec import Workflow

Handler = Callable[[Event], None]

EVENT_COLUMNS = ("second", "received", "deduplicated", "invalid", "filtered", "rate_limited", "triggered")
_STAT_NAMES = EVENT_COLUMNS[1:]


class DedupConfig(Safeguard):
    """Drop a redelivered ``(source, id)`` seen less than ``window`` seconds ago."""

    window: float = Field(default=60.0, gt=0, description="seconds an event identity is remembered")


class RateLimiterConfig(Safeguard):
    """Per-workflow rate limits (their sizes come from the workflow file)."""


class RouterConfig(Section):
    """Deduplication, rate limiting and payload validation of the router."""

    dedup: DedupConfig = DedupConfig()
    rate_limiter: RateLimiterConfig = RateLimiterConfig()
    validate_payloads: bool = Field(default=True, description="check payloads against the event schemas")


class EventRouter:
    """Matches events to workflows and dispatches them."""

    def __init__(
        self,
        wiring: Wiring,
        registry: WorkflowRegistry,
        dispatch: Callable[[Workflow, Event], None],
        config: RouterConfig | None = None,
        *,
        dedup: bool = True,
        rate_limiter: bool = True,
    ) -> None:
        config = config or RouterConfig()
        self.env = wiring.env
        self._wiring = wiring
        self._emit = wiring.trace.emit
        self._count = wiring.recorder.count
        self._table = wiring.recorder.table("events", EVENT_COLUMNS)
        self.registry = registry
        self.dispatch = dispatch
        self.audit = wiring.audit
        self._dedup = dedup
        self._window = config.dedup.window
        self._rate_limit = rate_limiter
        self._validate = config.validate_payloads
        self._seen: dict[tuple[str, Any], float] = {}
        self._expiry: deque[tuple[float, tuple[str, Any]]] = deque()
        self._buckets: dict[str, list[int]] = {}
        # Counters in the order of EVENT_COLUMNS[1:], and their values when the current second began.
        self._stats = [0] * len(_STAT_NAMES)
        self._mark = [0] * len(_STAT_NAMES)
        self._second = 0
        self._second_end = 1.0
        self.invalid_reasons: dict[str, int] = {}
        self.workflows_failed = 0
        self._subscribed: dict[str, str] = {}
        self._bus: EventBus | None = None

    def attach(self, bus: EventBus, guard: Callable[[Handler], Handler] | None = None) -> None:
        """Subscribe to every event type that triggers an enabled workflow, and follow the registry's changes.

        The trigger mesh holds one subscription per such type (named
        ``mesh.<type>``), so events nothing could trigger never reach it and
        the subscription count says how much of the mesh is listening. A
        ``guard`` wraps the handler (the governance and trust check of each
        event's source).
        """
        self._bus = bus
        self._deliver = guard(self.handle) if guard is not None else self.handle
        self.registry.on_change.append(self._resubscribe)
        self._resubscribe()

    def _resubscribe(self) -> None:
        bus = self._bus
        assert bus is not None, "attach() subscribes the router first"
        wanted = self.registry.event_types
        for event_type in [t for t in self._subscribed if t not in wanted]:
            bus.unsubscribe(self._subscribed.pop(event_type))
        for event_type in wanted:
            if event_type not in self._subscribed:
                name = f"mesh.{event_type}"
                bus.subscribe(event_type, name, self._deliver)
                self._subscribed[event_type] = name

    def workflow_failed(self, *_: Any) -> None:
        """Count a dispatched workflow that ended in failure (the engine reports it)."""
        self.workflows_failed += 1

    def handle(self, event: Event) -> None:
        """Route one delivered event."""
        now = self.env.now
        stats = self._stats
        if now >= self._second_end:
            self._roll(now)
        stats[0] += 1
        candidates = self.registry.for_type(event.type)
        if not candidates:
            stats[3] += 1  # its workflows were disabled while it was in transit
            return
        if self._dedup:
            key = (event.source, event.id)
            seen = self._seen
            expires = seen.get(key)
            if expires is not None and expires > now:
                stats[1] += 1
                self._count("safeguard.dedup")
                self._emit(now, "router.dedup", event.source, event.id)
                return
            expiry = self._expiry
            while expiry and expiry[0][0] <= now:
                old_expires, old_key = expiry.popleft()
                if seen.get(old_key) == old_expires:
                    del seen[old_key]
            expires = now + self._window
            seen[key] = expires
            expiry.append((expires, key))
        if self._validate:
            schemas = self.registry.schemas
            # The bus leaves its verdict on the event when it checked it against these schemas.
            problem = event.problem if event.checked_by is schemas else schemas.check(event.type, event.payload)
            if problem is not None:
                stats[2] += 1
                self.invalid_reasons[problem] = self.invalid_reasons.get(problem, 0) + 1
                self._emit(now, "router.invalid", event.source, event.id)
                return
        triggered = limited = 0
        for workflow in candidates:
            predicate = workflow.predicate
            if predicate is not None and not predicate(event):
                continue
            rate_limit = workflow.rate_limit
            if self._rate_limit and rate_limit is not None and not self._admit(workflow, rate_limit, now):
                limited += 1
                self._shed(workflow, rate_limit, event, now)
                continue
            triggered += 1
            self._emit(now, "router.trigger", workflow.name, event.source, event.id)
            self.dispatch(workflow, event)
        if triggered:
            stats[5] += triggered
        elif not limited:
            stats[3] += 1
        stats[4] += limited

    def _admit(self, workflow: Workflow, rate_limit: tuple[int, float], now: float) -> bool:
        limit, period = rate_limit
        window = math.floor(now / period)
        bucket = self._buckets.get(workflow.name)
        if bucket is None or bucket[0] != window:
            self._buckets[workflow.name] = [window, 1]
            return True
        if bucket[1] >= limit:
            return False
        bucket[1] += 1
        return True

    def _shed(self, workflow: Workflow, rate_limit: tuple[int, float], event: Event, now: float) -> None:
        self._count("safeguard.rate_limiter")
        self._emit(now, "router.rate_limited", workflow.name, event.source, event.id)
        limit, period = rate_limit
        self.audit.record(
            who="event_router",
            what="shed_rate_limited",
            where=workflow.name,
            why=f"{limit} triggers per {period:g}s already admitted; event {event.source}/{event.id}",
            how="fixed_window_rate_limit",
            when=now,
        )

    def _roll(self, now: float) -> None:
        stats, mark = self._stats, self._mark
        if stats != mark:
            self._table.append(self._second, *(s - m for s, m in zip(stats, mark, strict=True)))
            self._mark = list(stats)
        self._second = int(now)
        self._second_end = self._second + 1.0

    # -- statistics -----------------------------------------------------

    def stats(self) -> dict[str, int]:
        """The trigger mesh's statistics (DESIGN §2), plus deduplicated and invalid events."""
        received, deduplicated, invalid, filtered, rate_limited, triggered = self._stats
        return {
            "events_received": received,
            "workflows_triggered": triggered,
            "workflows_failed": self.workflows_failed,
            "events_filtered": filtered,
            "events_rate_limited": rate_limited,
            "deduplicated": deduplicated,
            "events_invalid": invalid,
        }

    def close(self) -> None:
        """Write the last second of the summary table and add the totals to the counts."""
        self._roll(self.env.now + 1.0)
        for key, value in self.stats().items():
            self._count(f"router.{key}", value)
