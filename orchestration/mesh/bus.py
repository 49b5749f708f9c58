"""The event bus: topic publish/subscribe with bounded per-subscriber queues.

A subscription names a pattern in which ``*`` matches any run of characters
(``kpi.*``, ``*.critical_error``, ``*``). Each subscriber has its own FIFO
queue of events in transit: an event is delivered ``latency`` seconds after
it was published, and with ``deliver_rate`` set a subscriber takes at most
that many events per second, so a slow subscriber's queue fills. When a queue
is full the backpressure policy decides: ``drop`` discards the event for that
subscriber, ``block`` holds it at the publisher's side until room frees up.
Both are counted.

Published payloads are checked against the event schemas the bus was given:
an event whose type is unknown or whose payload does not fit its schema is
counted (``bus.invalid``) and traced, and in ``strict`` validation refused.
The verdict stays on the event for the router, which checks against the same
schemas.

Faults act through three controls -- message loss, duplication (the second
copy possibly some time after the first) and reordering -- each drawing from
its own named random stream and counted. A reordered event is held back in
transit for a random time up to the reordering's window, so events published
after it may overtake it.

Two safeguards answer them. *Redelivery* makes delivery at-least-once: the
publisher waits for each subscriber's acknowledgement and sends an event
again after ``ack_timeout`` when the event or its acknowledgement was lost
(acknowledgements are lost as often as events), up to ``max_attempts``
sends; an event whose every send was lost is lost for good. A lost
acknowledgement makes a duplicate, which deduplication downstream absorbs.
*Ordering* keeps each source's events in publish order for each subscriber:
while one of a source's events is held back, the source's later events wait
behind it, for at most ``max_wait`` seconds (then they are delivered and the
held event arrives late). Deliveries that overtook an earlier event of their source are
counted as ``out_of_order`` (measured once reordering was first switched on).
"""

from __future__ import annotations

from collections import deque
from typing import Any, Literal

from pydantic import Field
from simpy.events import NORMAL

from chaosbench.orchestration.core.sections import Safeguard, Section, active
from chaosbench.orchestration.core.wiring import Wiring
from chaosbench.orchestration.mesh.event_schema import EventSchemas
from chaosbench.orchestration.mesh.events import Event
from chaosbench.orchestration.mesh.subscription import Handler, Subscription


class RedeliveryConfig(Safeguard):
    """At-least-once delivery: lost events are sent again until acknowledged."""

    ack_timeout: float = Field(default=0.5, gt=0, le=3600, description="seconds before an unacknowledged send is "
                               "repeated")
    max_attempts: int = Field(default=10, ge=1, le=100, description="sends of one event in all")


class OrderingConfig(Safeguard):
    """Per-source FIFO delivery to each subscriber."""

    max_wait: float = Field(default=5.0, gt=0, le=3600, description="seconds later events wait behind a held one "
                            "before they are delivered anyway")


class BusConfig(Section):
    """Delivery latency, queue bounds and backpressure of the event bus."""

    # More than zero, so a runaway cascade with the breaker off still advances simulated time.
    latency: float = Field(default=0.001, gt=0, le=60, description="seconds from publish to delivery")
    capacity: int = Field(default=10_000, ge=1, description="events a subscriber's queue holds")
    backpressure: Literal["drop", "block"] = Field(default="drop", description="what a full queue does")
    deliver_rate: float | None = Field(
        default=None, gt=0, description="events per second a subscriber takes; unset is unbounded"
    )
    validation: Literal["off", "count", "strict"] = Field(
        default="count", description="check payloads against the event schemas: off, count the invalid, or refuse them"
    )
    redelivery: RedeliveryConfig = RedeliveryConfig()
    ordering: OrderingConfig = OrderingConfig()


class EventBus:
    """Topic pub/sub with per-subscriber bounded queues and delivery latency."""

    def __init__(self, wiring: Wiring, config: BusConfig | None = None, schemas: EventSchemas | None = None, *,
                 safeguards: bool = True) -> None:
        config = config or BusConfig()
        self.env = wiring.env
        self.config = config
        self._wiring = wiring
        self._emit = wiring.trace.emit
        self._subs: dict[str, Subscription] = {}
        self._routes: dict[str, tuple[Subscription, ...]] = {}
        self._latency = config.latency
        self._block = config.backpressure == "block"
        self._gap = 0.0 if config.deliver_rate is None else 1.0 / config.deliver_rate
        self._loss = 0.0
        self._duplication = 0.0
        self._reorder = 0.0
        self._reorder_window = 2.0
        self._dup_delay = 0.0
        self._loss_draw = wiring.rng("bus.loss").random
        self._dup_draw = wiring.rng("bus.duplication").random
        self._reorder_draw = wiring.rng("bus.reorder").random
        self._schemas = schemas if config.validation != "off" else None
        self._strict = config.validation == "strict"
        self._redelivery = config.redelivery if active(config.redelivery, safeguards) else None
        self._ordering = config.ordering.max_wait if active(config.ordering, safeguards) else 0.0
        self._ack_draw = wiring.rng("bus.ack_loss").random
        self._hold_draw = wiring.rng("bus.reorder.hold").random
        self._track_order = False
        self.lost_for_good = 0
        self.redelivered = 0
        self.out_of_order = 0
        self.published = 0
        self.invalid = 0
        self.unrouted = 0
        self.lost = 0
        self.duplicated = 0
        self.reordered = 0

    # -- subscriptions --------------------------------------------------

    def subscribe(self, pattern: str, name: str, handler: Handler, capacity: int | None = None) -> Subscription:
        """Deliver events whose type matches ``pattern`` to ``handler`` under the unique ``name``."""
        if name in self._subs:
            raise ValueError(f"a subscription named {name!r} exists already")
        sub = Subscription(name, pattern, handler, capacity or self.config.capacity)
        if self._track_order:
            sub.last_seen = {}
        self._subs[name] = sub
        self._routes.clear()
        return sub

    def unsubscribe(self, name: str) -> None:
        """Remove a subscription; events still queued for it are dropped."""
        sub = self._subs.pop(name)
        sub.dropped += len(sub.queue) + len(sub.waiting)
        sub.queue.clear()
        sub.waiting.clear()
        self._routes.clear()

    @property
    def subscription_count(self) -> int:
        return len(self._subs)

    @property
    def subscriptions(self) -> dict[str, Subscription]:
        return dict(self._subs)

    @property
    def queue_depth(self) -> int:
        """Events in transit to all subscribers (the mesh's event queue depth)."""
        return sum(sub.depth for sub in self._subs.values())

    # -- publishing -----------------------------------------------------

    def publish(self, event: Event) -> None:
        """Send ``event`` to every matching subscriber (after validation, loss and duplication faults)."""
        schemas = self._schemas
        if schemas is not None:
            if event.checked_by is schemas:  # published again: a duplicate or a redelivery
                problem = event.problem
            else:
                problem = event.problem = schemas.check(event.type, event.payload)
                event.checked_by = schemas
            if problem is not None:
                self.invalid += 1
                self._emit(self.env.now, "bus.invalid", event.source, event.id, event.type, problem)
                if self._strict:
                    return
        self.published += 1
        subs = self._routes.get(event.type)
        if subs is None:
            subs = self._routes[event.type] = tuple(s for s in self._subs.values() if s.matches(event.type))
        if not subs:
            self.unrouted += 1
            return
        self._send(event, subs, 1, False)

    def _send(self, event: Event, subs: tuple[Subscription, ...], attempt: int, delivered: bool) -> None:
        redelivery = self._redelivery
        if self._loss and self._loss_draw() < self._loss:
            self.lost += 1
            self._emit(self.env.now, "bus.lost", event.source, event.id)
            if redelivery is not None and attempt < redelivery.max_attempts:
                self._resend(event, subs, attempt, delivered)
            elif not delivered:
                self.lost_for_good += 1
            return
        due = self.env.now + self._latency
        for sub in subs:
            self._offer(sub, event, due)
        if self._duplication and self._dup_draw() < self._duplication:
            self.duplicated += 1
            self._emit(self.env.now, "bus.duplicated", event.source, event.id)
            if self._dup_delay:
                timer = self.env.timeout(self._dup_delay)
                timer.callbacks.append(lambda _timer: self._duplicate(event, subs))
            else:
                self._duplicate(event, subs)
        # An acknowledgement is lost as often as an event; the publisher then sends again.
        if (redelivery is not None and self._loss and attempt < redelivery.max_attempts
                and self._ack_draw() < self._loss):
            self._resend(event, subs, attempt, True)

    def _duplicate(self, event: Event, subs: tuple[Subscription, ...]) -> None:
        due = self.env.now + self._latency
        for sub in subs:
            self._offer(sub, event, due)

    def _resend(self, event: Event, subs: tuple[Subscription, ...], attempt: int, delivered: bool) -> None:
        assert self._redelivery is not None, "only redelivery sends again"
        timer = self.env.timeout(self._redelivery.ack_timeout)
        timer.callbacks.append(lambda _timer: self._again(event, subs, attempt + 1, delivered))

    def _again(self, event: Event, subs: tuple[Subscription, ...], attempt: int, delivered: bool) -> None:
        self.redelivered += 1
        self._wiring.recorder.count("safeguard.redelivery")
        self._emit(self.env.now, "bus.redelivered", event.source, event.id, attempt)
        self._send(event, subs, attempt, delivered)

    def _offer(self, sub: Subscription, event: Event, due: float) -> None:
        stalled = sub.stalled.get(event.source) if sub.stalled else None
        if stalled is not None:
            stalled.append(event)
            return
        if self._reorder and self._reorder_draw() < self._reorder:
            self._hold_back(sub, event, due)
            return
        self._enqueue(sub, event, due)

    def _enqueue(self, sub: Subscription, event: Event, due: float) -> None:
        queue = sub.queue
        if len(queue) >= sub.capacity:
            if self._block:
                sub.blocked += 1
                sub.waiting.append(event)
            else:
                sub.dropped += 1
                self._emit(self.env.now, "bus.dropped", sub.name, event.source, event.id)
            return
        queue.append((due, event))
        depth = len(queue)
        if depth > sub.max_depth:
            sub.max_depth = depth
        if not sub.pending:
            self._arm(sub, due)

    def _hold_back(self, sub: Subscription, event: Event, due: float) -> None:
        hold = self._hold_draw() * self._reorder_window
        self.reordered += 1
        self._emit(self.env.now, "bus.reordered", sub.name, event.source, event.id, hold)
        if self._ordering:
            behind: deque[Event] = deque()
            sub.stalled[event.source] = behind
            give_up = self.env.timeout(self._ordering)
            give_up.callbacks.append(lambda _timer: self._release(sub, event.source, behind))
        timer = self.env.timeout(due - self.env.now + hold)
        timer.callbacks.append(lambda _timer: self._deliver_held(sub, event))

    def _deliver_held(self, sub: Subscription, event: Event) -> None:
        if self._subs.get(sub.name) is not sub:
            return
        sub.delivered += 1
        self._observe(sub, event)
        sub.handler(event)
        behind = sub.stalled.get(event.source)
        if behind:
            self._wiring.recorder.count("safeguard.ordering", len(behind))
        if behind is not None:
            self._release(sub, event.source, behind)

    def _release(self, sub: Subscription, source: str, behind: deque[Event]) -> None:
        """Deliver the events that waited behind a held one of ``source`` (once: a later stall is another)."""
        if sub.stalled.get(source) is not behind:
            return
        del sub.stalled[source]
        due = self.env.now + self._latency
        for waiting in behind:
            self._enqueue(sub, waiting, due)

    def _observe(self, sub: Subscription, event: Event) -> None:
        seen = sub.last_seen
        if seen is None:
            return
        latest = seen.get(event.source)
        if latest is not None and event.time < latest:
            self.out_of_order += 1
            self._emit(self.env.now, "bus.out_of_order", sub.name, event.source, event.id)
        else:
            seen[event.source] = event.time

    def _arm(self, sub: Subscription, at: float) -> None:
        """Deliver the head of ``sub``'s queue at ``at``, on the subscription's one timer: it has at most one delivery
        pending, so the timer is rescheduled once it has fired rather than made anew for every delivery."""
        sub.pending = True
        now = self.env.now
        delay = at - now if at > now else 0.0
        timer = sub.timer
        if timer is None:
            timer = sub.timer = self.env.timeout(delay, sub)
            timer.callbacks.append(self._drain)
        else:  # SimPy has taken it off its queue (the subscription had no delivery pending)
            timer.callbacks = [self._drain]
            self.env.schedule(timer, NORMAL, delay)

    def _drain(self, timer: Any) -> None:
        sub: Subscription = timer.value
        sub.pending = False
        if self._subs.get(sub.name) is not sub:
            return
        queue = sub.queue
        now = self.env.now
        handler = sub.handler
        gap = self._gap
        while queue and queue[0][0] <= now:
            if gap:
                if sub.next_free > now:
                    break
                sub.next_free = now + gap
            event = queue.popleft()[1]
            sub.delivered += 1
            if sub.last_seen is not None:
                self._observe(sub, event)
            if sub.waiting:
                queue.append((now + self._latency, sub.waiting.popleft()))
            handler(event)
            if gap:
                break
        if queue and not sub.pending:
            head = queue[0][0]
            self._arm(sub, max(head, sub.next_free) if gap else head)

    # -- fault controls -------------------------------------------------

    def set_loss(self, probability: float) -> None:
        """Lose each published event with ``probability`` (0 turns loss off)."""
        self._loss = _probability(probability)
        self._emit(self.env.now, "bus.set_loss", self._loss)

    def set_duplication(self, probability: float, delay: float = 0.0) -> None:
        """Deliver each published event twice with ``probability``, the second copy ``delay`` seconds later."""
        if not delay >= 0:
            raise ValueError(f"expected a delay of 0 seconds or more, got {delay!r}")
        self._duplication = _probability(probability)
        self._dup_delay = float(delay)
        self._emit(self.env.now, "bus.set_duplication", self._duplication)

    def set_reorder(self, probability: float, window: float | None = None) -> None:
        """Hold each event back in transit with ``probability``, up to ``window`` seconds: later ones may overtake."""
        self._reorder = _probability(probability)
        if window is not None:
            if not window > 0:
                raise ValueError(f"expected a positive reordering window, got {window!r}")
            self._reorder_window = float(window)
        if self._reorder:
            self._track_order = True
            for sub in self._subs.values():
                if sub.last_seen is None:
                    sub.last_seen = {}
        self._emit(self.env.now, "bus.set_reorder", self._reorder)

    # -- statistics -----------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Bus totals and per-subscription statistics."""
        subs = list(self._subs.values())
        return {
            "published": self.published,
            "invalid": self.invalid,
            "delivered": sum(s.delivered for s in subs),
            "dropped": sum(s.dropped for s in subs),
            "blocked": sum(s.blocked for s in subs),
            "unrouted": self.unrouted,
            "lost": self.lost,
            "duplicated": self.duplicated,
            "reordered": self.reordered,
            "redelivered": self.redelivered,
            "lost_for_good": self.lost_for_good,
            "out_of_order": self.out_of_order,
            "subscriptions": {s.name: s.stats() for s in subs},
        }

    def close(self) -> None:
        """Add the bus totals to the recorder's counts."""
        count = self._wiring.recorder.count
        for key, value in self.stats().items():
            if key != "subscriptions":
                count(f"bus.{key}", value)


def _probability(value: float) -> float:
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"expected a probability in [0, 1], got {value!r}")
    return value
