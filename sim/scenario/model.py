"""The scenario file as validated models (DESIGN §3).

A scenario names its background workload, the faults to inject and when,
the steady-state probes that must hold, the safeguards it expects to fire,
stack overrides and a difficulty ladder.
"""
from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from chaosbench.orchestration.config import StackConfig
from chaosbench.sim.checks.probes import PROBES, identify
from chaosbench.sim.checks.safeguards import SAFEGUARDS
from chaosbench.sim.faults import FAULTS
from chaosbench.sim.scenario.budget import budget_problems
from chaosbench.sim.scenario.explore_section import ExploreSpec
from chaosbench.sim.scenario.levels import MAX_LEVEL
from chaosbench.sim.spec.fields import Duration, Instant, KeyedEntry, Model, keyed_union, suggest
from chaosbench.sim.spec.units import shown
from chaosbench.sim.workloads.events import EventWorkload
from chaosbench.sim.workloads.intents import IntentWorkload
from chaosbench.sim.workloads.tasks import TaskWorkload

#: What a scenario name may be: it names run folders, so no path characters, no spaces, no newline.
_NAME = re.compile(r"[a-z0-9][a-z0-9_\-]*")
#: Longest scenario name (a run folder's name stays far below any file system's limit).
MAX_NAME_LENGTH = 100


class WorkloadItem(Model):
    """One background workload: ``{tasks: ...}``, ``{events: ...}`` or ``{intents: ...}``."""

    tasks: TaskWorkload | None = None
    events: EventWorkload | None = None
    intents: IntentWorkload | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> WorkloadItem:
        if sum(kind is not None for kind in (self.tasks, self.events, self.intents)) != 1:
            raise ValueError("expected exactly one of tasks, events, intents")
        return self


class FaultEntry(KeyedEntry):
    """One fault of a scenario and when it starts: ``{at: 60s, worker_dropout: {fraction: 0.5}}``."""

    at: Instant


class ProbeEntry(KeyedEntry):
    """One steady-state probe of a scenario: ``{latency: {quantile: 0.99, max: 2s}}``."""

    @property
    def id(self) -> str:
        """The probe's id, unique in its scenario: ``latency[end_to_end p99]`` (:mod:`sim.checks.identity`)."""
        return identify(self.name, self.params)


AnyFault = Annotated[FaultEntry, keyed_union("fault", {name: fault.Params for name, fault in FAULTS.items()},
                                             FaultEntry)]
AnyProbe = Annotated[ProbeEntry, keyed_union("probe", PROBES, ProbeEntry)]


class Difficulty(Model):
    """How a scenario gets harder: per level, multiply (``scale``) or add (``step``) at field paths."""

    escalate_after: int = Field(default=5, ge=1, le=1000)
    scale: dict[str, float] = {}
    step: dict[str, float] = {}
    max_level: int = Field(default=10, ge=0, le=MAX_LEVEL)

    @field_validator("scale")
    @classmethod
    def _positive_factors(cls, scale: dict[str, float]) -> dict[str, float]:
        for path, factor in scale.items():
            if not factor > 0:
                raise ValueError(f"expected a factor more than zero for {path!r}, got {shown(factor)}")
        return scale


class Scenario(Model):
    """A whole scenario file."""

    name: str
    title: str = ""
    description: str = ""
    tags: list[str] = []
    duration: Duration
    warmup: Instant = 0.0
    settle: Duration = 60.0
    stack: StackConfig = StackConfig()
    workload: list[WorkloadItem] = []
    faults: list[AnyFault] = []
    steady_state: list[AnyProbe] = []
    expect_safeguards: list[str] = []
    strict: bool = False  # an expected safeguard that never fired fails the run, not only a finding
    difficulty: Difficulty = Difficulty()
    explore: ExploreSpec | None = None

    @field_validator("name")
    @classmethod
    def _slug(cls, name: str) -> str:
        if not _NAME.fullmatch(name):
            raise ValueError(f"expected lower-case letters, digits, '_' or '-' (a letter or digit first), "
                             f"got {shown(name)}")
        if len(name) > MAX_NAME_LENGTH:
            raise ValueError(f"expected at most {MAX_NAME_LENGTH} characters, got {len(name)}")
        return name

    @field_validator("steady_state")
    @classmethod
    def _unique_probe_ids(cls, probes: list[ProbeEntry]) -> list[ProbeEntry]:
        first: dict[str, int] = {}
        for index, probe in enumerate(probes):
            if probe.id in first:
                raise PydanticCustomError(
                    "probe_id", f"probes {first[probe.id]} and {index} have the same id {probe.id!r}; expected "
                                "each probe's id to be unique: two probes of one kind need different parameters "
                                "(priority, measure, quantile), not only different bounds")
            first.setdefault(probe.id, index)
        return probes

    @field_validator("expect_safeguards")
    @classmethod
    def _known_safeguards(cls, names: list[str]) -> list[str]:
        for name in names:
            if name not in SAFEGUARDS:
                raise PydanticCustomError("unknown", f"unknown safeguard {shown(name)}{suggest(name, SAFEGUARDS)}")
        return names

    @model_validator(mode="after")
    def _fits_in_time(self) -> Scenario:
        problems: list[tuple[str, str]] = []
        if self.warmup >= self.duration:
            problems.append(("warmup", f"expected a warm-up shorter than the duration ({self.duration:g}s), "
                                       f"got {self.warmup:g}s"))
        for i, fault in enumerate(self.faults):
            end = fault.at + fault.params.duration
            if fault.at >= self.duration:
                problems.append((f"faults[{i}].at", f"the fault starts at {fault.at:g}s, at or after the end "
                                                    f"of the run ({self.duration:g}s)"))
            elif end > self.duration:
                problems.append((f"faults[{i}].{fault.name}", f"the fault ends at {end:g}s, after the end "
                                                              f"of the run ({self.duration:g}s)"))
        problems.extend(budget_problems(self))
        if problems:
            raise ScenarioTimingError(problems)
        return self


class ScenarioTimingError(ValueError):
    """Several cross-field problems at once, each with its own field path."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{path}: {msg}" for path, msg in problems))
        self.problems = problems
