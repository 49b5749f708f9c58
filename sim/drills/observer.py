"""Watching a drill: injecting each incident on time and noting what the stack said and did about it.

The observer hears the stack the way an operator's tooling would, without
taking part: a spy subscribed to every event on the bus notes the events that
report each incident (from its injection until it healed), the escalations
and the immune kernel's recoveries; a tap on the run's trace notes which
policy rule fired on which event (``policy.fire`` records name the event's
source and id). Whether an incident is healed is asked of the stack's state
every ``resolution`` seconds from its injection on; it is healed from the
first check of a run of checks over ``healed_for`` seconds that all found it
healed (so a reading that dips below a threshold for a moment heals nothing).
Asking reads and never changes anything, so the stack behaves as it would
unobserved, save that the spy is one more subscriber on the bus.
"""
from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import pandas as pd
import simpy

from chaosbench.orchestration.mesh.events import Event
from chaosbench.orchestration.stack import Stack
from chaosbench.sim.drills.incidents import INCIDENTS, Incident
from chaosbench.sim.drills.model import Drill
from chaosbench.sim.drills.records import Fire, IncidentRecord, Response, response_record
from chaosbench.sim.run.runtime import Trace

#: The spy's name on the bus.
SPY = "drill_observer"
#: Events that escalate, and to whom.
ESCALATIONS = {"governance.escalation_requested": "human", "healing.escalation_requested": "kernel"}
#: What the immune kernel publishes when a playbook healed something.
RECOVERY = "healing.recovery_complete"


class TappedTrace(Trace):
    """A trace that also hands the records whose kind is in ``kinds`` to ``listener`` (its digest is unchanged)."""

    def __init__(self, kinds: frozenset[str], listener: Callable[[tuple[Any, ...]], None]) -> None:
        super().__init__()
        self._kinds = kinds
        self._listener = listener

    def emit(self, *record: Any) -> None:
        if len(record) > 1 and record[1] in self._kinds:
            self._listener(record)
        super().emit(*record)


class Watch:
    """One incident of the drill: when it is due, what was injected, and what the stack said of it."""

    def __init__(self, ident: str, at: float, bound: float, incident: Incident[Any]) -> None:
        self.id = ident
        self.at = at
        self.bound = bound
        self.incident = incident
        self.injected_at: float | None = None
        self.healed_at: float | None = None
        self.signals: list[Event] = []

    def open_at(self, time: float) -> bool:
        """An event published at ``time`` may report the incident: injected by then, not yet healed."""
        return self.injected_at is not None and time >= self.injected_at and (
            self.healed_at is None or time <= self.healed_at)


class ResponseObserver:
    """Injects the incidents of ``drill`` and watches the stack's response to each."""

    def __init__(self, drill: Drill) -> None:
        self.drill = drill
        self.trace = TappedTrace(frozenset(("policy.fire",)), self._on_record)
        self.watches: list[Watch] = []
        self._fires: list[Fire] = []
        self._escalations: list[Event] = []
        self._recoveries: list[Event] = []

    def attach(self, stack: Stack) -> None:
        """Subscribe the spy to ``stack``'s bus and schedule every incident (before time starts)."""
        drill = self.drill
        stack.bus.subscribe("*", SPY, self._on_event)
        for ident, entry in zip(drill.ids, drill.incidents, strict=True):
            watch = Watch(ident, entry.at, drill.bound(entry), INCIDENTS[entry.name](stack, entry.params))
            self.watches.append(watch)
            stack.runtime.env.process(self._follow(stack, watch))

    def _follow(self, stack: Stack, watch: Watch) -> Generator[simpy.Event, Any, None]:
        env = stack.runtime.env
        yield env.timeout(watch.at)
        watch.injected_at = float(env.now)
        stack.runtime.trace.emit(watch.injected_at, "drill.inject", watch.id, watch.incident.kind)
        watch.incident.inject()
        resolution, hold = self.drill.resolution, self.drill.healed_for
        checks, since = 0, None
        while True:
            checks += 1
            # Each check at its own multiple of the resolution, so that no rounding error piles up.
            yield env.timeout(watch.injected_at + checks * resolution - env.now)
            if not watch.incident.healed():
                since = None
                continue
            if since is None:
                since = float(env.now)
            if env.now - since >= hold:
                watch.healed_at = since
                return

    def _on_record(self, record: tuple[Any, ...]) -> None:
        # (time, "policy.fire", rule, event source, event id, depth)
        self._fires.append(Fire(float(record[0]), str(record[2]), str(record[3]), str(record[4])))

    def _on_event(self, event: Event) -> None:
        for watch in self.watches:
            if watch.open_at(event.time) and watch.incident.detects(event):
                watch.signals.append(event)
        if event.type in ESCALATIONS:
            self._escalations.append(event)
        elif event.type == RECOVERY:
            self._recoveries.append(event)

    def records(self, workflows: pd.DataFrame | None) -> list[IncidentRecord]:
        """The response record of every incident, given the run's ``workflows`` table."""
        return [response_record(self._response(watch), workflows) for watch in self.watches]

    def _response(self, watch: Watch) -> Response:
        concerns = watch.incident.concerns
        recoveries = [event for event in self._recoveries if watch.open_at(event.time)
                      and isinstance(event.payload, dict) and event.payload.get("component_id") in concerns]
        escalations = [(ESCALATIONS[event.type], event) for event in self._escalations]
        return Response(
            incident=watch.id, kind=watch.incident.kind, target=watch.incident.target, at=watch.at,
            bound=watch.bound, injected_at=watch.injected_at, healed_at=watch.healed_at,
            signals=sorted((event for event in watch.signals if watch.open_at(event.time)), key=lambda e: e.time),
            fires=self._fires,
            escalations=escalations, recoveries=recoveries,
        )
