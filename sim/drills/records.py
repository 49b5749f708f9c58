"""The response record of one incident, and the ``incidents`` table of a drill's run directory.

A record says when the incident was injected, when and by what it was
detected (the first event reporting it: its type and source), where the
stack routed it (the policy rules that fired on an event reporting it, the
workflows that ran for one, the immune kernel's playbooks that healed it),
when it healed and how long that took against its bound, and the escalations
it caused: to a human (``governance.escalation_requested`` published by one of
those rules or workflows) or to a kernel (``healing.escalation_requested``).

An incident passes when it was detected and healed within its bound. Times
are simulated seconds; one that never came is ``None`` (NaN in the table).
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

import pandas as pd
from pydantic import BaseModel, ConfigDict, computed_field

from chaosbench.orchestration.mesh.events import Event

#: What became of an incident.
Outcome = Literal["healed in time", "healed late", "not healed", "not detected"]
#: Columns of the ``incidents`` table, in order.
INCIDENT_COLUMNS = (
    "incident", "kind", "target", "injected_at", "detected_at", "detected_by", "detector", "time_to_detect",
    "rules", "workflows", "playbooks", "healed_at", "time_to_heal", "heal_within", "escalations", "outcome",
    "passed",
)
#: The source of the policy kernel's events and of the workflow engine's.
POLICY, ENGINE = "event_policy_kernel", "workflow_engine"


class Fire(NamedTuple):
    """A policy rule fired at ``time`` on the event ``(source, id)``."""

    time: float
    rule: str
    source: str
    id: str


@dataclass(frozen=True)
class Response:
    """What a drill observed of one incident, before it is matched against the run's tables."""

    incident: str
    kind: str
    target: str
    at: float
    bound: float
    injected_at: float | None
    healed_at: float | None
    signals: Sequence[Event]  # the events that reported it, in the order they were published
    fires: Sequence[Fire]  # every rule firing of the run
    escalations: Sequence[tuple[str, Event]]  # every escalation event of the run, with its level
    recoveries: Sequence[Event]  # the immune kernel's recoveries of what it hit


class Escalation(BaseModel):
    """An escalation an incident caused: ``level`` human or kernel, asked ``by`` a rule or workflow, ``at``."""

    model_config = ConfigDict(frozen=True)

    level: Literal["human", "kernel"]
    by: str
    at: float

    def __str__(self) -> str:
        return f"{self.level} by {self.by} at {self.at:g}s"


class IncidentRecord(BaseModel):
    """How the stack answered one incident."""

    model_config = ConfigDict(frozen=True)

    incident: str
    kind: str
    target: str
    injected_at: float | None
    detected_at: float | None
    detected_by: str | None
    detector: str | None
    time_to_detect: float | None
    rules: list[str]
    workflows: list[str]
    playbooks: list[str]
    healed_at: float | None
    time_to_heal: float | None
    heal_within: float
    escalations: list[Escalation]
    outcome: Outcome

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool:
        """Detected, and healed within its bound."""
        return self.outcome == "healed in time"

    def row(self) -> tuple[object, ...]:
        """The record as a row of the ``incidents`` table: lists joined by commas, missing times NaN."""
        def time(value: float | None) -> float:
            return math.nan if value is None else value

        return (self.incident, self.kind, self.target, time(self.injected_at), time(self.detected_at),
                self.detected_by or "", self.detector or "", time(self.time_to_detect), ", ".join(self.rules),
                ", ".join(self.workflows), ", ".join(self.playbooks), time(self.healed_at), time(self.time_to_heal),
                self.heal_within, "; ".join(map(str, self.escalations)), self.outcome, self.passed)


def response_record(response: Response, workflows: pd.DataFrame | None) -> IncidentRecord:
    """The record of ``response``, its workflows found by the reporting events' ``(source, id)`` in ``workflows``."""
    keys = {(event.source, str(event.id)) for event in response.signals}
    fires = [fire for fire in response.fires if (fire.source, fire.id) in keys]
    runs = _runs_for(workflows, keys)
    fired_at = {(fire.rule, fire.time) for fire in fires}
    ended = {float(row.finished_at): str(row.workflow) for row in runs.itertuples(index=False)}
    escalations = []
    for level, event in response.escalations:
        reason = event.payload.get("reason") if isinstance(event.payload, dict) else None
        if event.source == POLICY and (reason, event.time) in fired_at:
            escalations.append(Escalation(level=level, by=str(reason), at=event.time))
        elif event.source == ENGINE and event.time in ended:
            escalations.append(Escalation(level=level, by=ended[event.time], at=event.time))
    first = response.signals[0] if response.signals else None
    injected, healed = response.injected_at, response.healed_at
    took = _rounded(healed - injected) if healed is not None and injected is not None else None
    return IncidentRecord(
        incident=response.incident, kind=response.kind, target=response.target, injected_at=injected,
        detected_at=first.time if first else None, detected_by=first.type if first else None,
        detector=first.source if first else None,
        time_to_detect=_rounded(first.time - injected) if first and injected is not None else None,
        rules=_unique(fire.rule for fire in fires), workflows=_unique(runs["workflow"]),
        playbooks=_unique(str(event.payload.get("playbook")) for event in response.recoveries),
        healed_at=healed, time_to_heal=took, heal_within=response.bound, escalations=escalations,
        outcome=_outcome(first is not None, took, response.bound),
    )


def _rounded(seconds: float) -> float:
    # To the microsecond: a difference of two simulated times carries the rounding error of both.
    return round(seconds, 6)


def _runs_for(workflows: pd.DataFrame | None, keys: set[tuple[str, str]]) -> pd.DataFrame:
    """The workflow runs triggered by one of the events ``keys``, in the order they started."""
    if workflows is None or workflows.empty or not keys:
        return pd.DataFrame(columns=["workflow", "finished_at"])
    triggered = [(source, str(ident)) in keys for source, ident in zip(workflows["event_source"],
                                                                        workflows["event_id"], strict=True)]
    return workflows[triggered].sort_values(["started_at", "run"], kind="stable")


def _unique(names: Iterable[object]) -> list[str]:
    return list(dict.fromkeys(str(name) for name in names))


def _outcome(detected: bool, took: float | None, bound: float) -> Outcome:
    if not detected:
        return "not detected"
    if took is None:
        return "not healed"
    return "healed in time" if took <= bound else "healed late"


def records_frame(records: Sequence[IncidentRecord]) -> pd.DataFrame:
    """The ``incidents`` table of ``records``."""
    return pd.DataFrame([record.row() for record in records], columns=list(INCIDENT_COLUMNS))
