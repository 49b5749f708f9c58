"""The incident file as validated models, and reading it.

An incident file is a scenario without faults or probes whose ``incidents``
say what goes wrong and when; each is healed in time when the stack heals it
within its ``heal_within`` (the file's when the incident has none)::

    name: every_kind
    heal_within: 5m
    stack: {...}                      # overrides of the stack configuration
    workload: [...]                   # background work, as in a scenario
    incidents:
      - {id: avn-down, at: 60s, kernel_crash: {kernel: avn_core}, heal_within: 1m}
      - {at: 3m, trust_degradation: {component: hunter, failures: 3}}

An incident is healed when its healed condition was found to hold over
``healed_for`` seconds, checked every ``resolution`` seconds. A drill runs for
``duration`` when given, else until the last incident's bound (and
``healed_for``) has passed. Problems are reported as for a scenario file: every one,
with the path of its field.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator, model_validator

from chaosbench.orchestration.config import StackConfig
from chaosbench.sim.drills.incidents import INCIDENTS
from chaosbench.sim.scenario.loader import Problem, ScenarioError, problems_of, read_yaml
from chaosbench.sim.scenario.model import Scenario, ScenarioTimingError, WorkloadItem
from chaosbench.sim.spec.fields import MAX_DURATION, Duration, Instant, KeyedEntry, Model, keyed_union

_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")
#: Longest interval at which healing may be checked.
MAX_RESOLUTION = 60.0


def _slug(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"expected lower-case letters, digits, '_' or '-', got {name!r}")
    return name


class IncidentEntry(KeyedEntry):
    """One incident and when it happens: ``{id: x, at: 60s, kernel_crash: {kernel: avn_core}}``."""

    at: Instant
    id: str | None = Field(default=None, description="how records name it (default <kind>-<position>)")
    heal_within: Duration | None = Field(default=None, description="bound on its time to heal (the file's)")

    @field_validator("id")
    @classmethod
    def _id_slug(cls, name: str | None) -> str | None:
        return name if name is None else _slug(name)


AnyIncident = Annotated[IncidentEntry, keyed_union("incident", {name: kind.Params for name, kind in INCIDENTS.items()},
                                                   IncidentEntry)]


class Drill(Model):
    """A whole incident file."""

    name: str
    title: str = ""
    description: str = ""
    tags: list[str] = []
    duration: Duration | None = None
    heal_within: Duration = Field(default=300.0, description="bound on each incident's time to heal")
    resolution: Duration = Field(default=0.1, le=MAX_RESOLUTION, description="seconds between two checks of "
                                 "whether an incident is healed")
    healed_for: Instant = Field(default=10.0, le=3600, description="how long an incident must stay healed to count "
                                "as healed (from the first check that found it so)")
    stack: StackConfig = StackConfig()
    workload: list[WorkloadItem] = []
    incidents: list[AnyIncident] = Field(min_length=1)

    _name_slug = field_validator("name")(_slug)

    @model_validator(mode="after")
    def _coherent(self) -> Drill:
        problems: list[tuple[str, str]] = []
        seen: dict[str, int] = {}
        for i, (entry, ident) in enumerate(zip(self.incidents, self.ids, strict=True)):
            if ident in seen:
                problems.append((f"incidents[{i}].id", f"{ident!r} names incidents[{seen[ident]}] already; "
                                                       "expected a name of its own"))
            seen.setdefault(ident, i)
            if self.duration is not None and entry.at >= self.duration:
                problems.append((f"incidents[{i}].at", f"the incident happens at {entry.at:g}s, at or after the "
                                                       f"end of the drill ({self.duration:g}s)"))
            for field, message in INCIDENTS[entry.name].problems(entry.params, self.stack):
                problems.append((f"incidents[{i}].{entry.name}.{field}", message))
        if self.duration is None and self.run_for > MAX_DURATION:
            problems.append(("duration", f"the last incident's bound passes at {self.run_for:g}s, after the "
                                         f"longest run ({MAX_DURATION:g}s); expected a duration"))
        if problems:
            raise ScenarioTimingError(problems)
        return self

    @property
    def ids(self) -> list[str]:
        """Each incident's name: its ``id``, else ``<kind>-<position>``."""
        return [entry.id or f"{entry.name}-{i}" for i, entry in enumerate(self.incidents)]

    def bound(self, entry: IncidentEntry) -> float:
        """The time within which ``entry`` must be healed."""
        return entry.heal_within if entry.heal_within is not None else self.heal_within

    @property
    def run_for(self) -> float:
        """Simulated seconds the drill lasts: ``duration``, else until the last incident's bound has passed and a
        heal at that bound could be confirmed."""
        if self.duration is not None:
            return self.duration
        return max(entry.at + self.bound(entry) for entry in self.incidents) + self.healed_for

    def scenario(self) -> Scenario:
        """The scenario the incidents are injected into: the drill's stack and workload, for its length."""
        return Scenario(name=self.name, title=self.title, description=self.description, tags=self.tags,
                        duration=self.run_for, stack=self.stack, workload=self.workload)


def load_drill(path: str | Path) -> Drill:
    """The drill in the incident file ``path``, or a :class:`ScenarioError` naming every problem."""
    return drill_from_document(read_yaml(path), path)


def drill_from_document(document: Any, path: str | Path) -> Drill:
    """Validate an already-read document as the incident file ``path``."""
    if not isinstance(document, dict):
        raise ScenarioError(path, [Problem("", f"expected a mapping of incident-file fields, got "
                                               f"{type(document).__name__}")])
    try:
        return Drill.model_validate(document)
    except ValidationError as exc:
        raise ScenarioError(path, problems_of(exc, Drill)) from None
