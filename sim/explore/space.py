"""Fault schedules as Hypothesis data: the space of a scenario's ``explore:`` section and its strategy.

A :class:`Schedule` is a list of fault entries, written as in a scenario file
(``{at: 12, worker_dropout: {fraction: 0.5, restart_after: 30}}``) and kept
sorted by start time, plus the value chosen for each explorable knob. The
strategy draws them swarm style: each example first picks the subset of
fault kinds it uses (sometimes every kind, often a few, sometimes none; at
most ``max_faults`` of them), then one fault of each chosen kind and, room
permitting, more of the same kinds, up to ``max_faults`` faults in all.
Every draw is an integer step above a bound's low end or an index into a
list, so Hypothesis shrinks a schedule toward fewer faults, lower
intensities, shorter windows and earlier starts.
"""
from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from pydantic import ValidationError

from chaosbench.sim.faults import FAULTS
from chaosbench.sim.scenario.explore_section import WINDOW_PARAMS, Bound, ExploreSpec, Span
from chaosbench.sim.scenario.loader import (
    Problem,
    ScenarioError,
    problems_of,
    read_yaml,
    resolve_files,
    scenario_mapping,
)
from chaosbench.sim.scenario.model import Scenario
from chaosbench.sim.spec.docpath import PathError, assign


@dataclass(frozen=True)
class Schedule:
    """Faults (scenario entries, sorted by start) and knob values ``(path, value)``."""

    faults: tuple[dict[str, Any], ...] = ()
    knobs: tuple[tuple[str, Any], ...] = ()

    def without(self, index: int) -> Schedule:
        """The same schedule less its fault number ``index``."""
        return Schedule(self.faults[:index] + self.faults[index + 1:], self.knobs)

    def key(self) -> str:
        """A canonical text of the schedule, equal for equal schedules."""
        return json.dumps([self.faults, self.knobs], sort_keys=True)

    def as_dict(self) -> dict[str, Any]:
        return {"faults": copy.deepcopy(list(self.faults)), "knobs": dict(self.knobs)}


def kind_of(entry: dict[str, Any]) -> str:
    """The fault kind of a schedule entry."""
    return next(key for key in entry if key != "at")


class FaultSpace:
    """What may vary in one scenario, checked against the scenario before any search.

    ``document`` is the scenario as written (plain data); ``scenario`` its
    validated model; ``file`` names it in error messages. ``kinds``, when
    given, keeps only those of the section's fault kinds (one search of a
    swarm).
    """

    def __init__(self, document: dict[str, Any], scenario: Scenario, file: str,
                 kinds: Sequence[str] | None = None) -> None:
        self.document = {key: value for key, value in document.items() if key not in ("explore", "difficulty")}
        self.scenario = scenario
        self.file = file
        spec = scenario.explore or ExploreSpec()
        self.spec = spec
        self.duration = scenario.duration
        self.starts = spec.starts or Span(min=scenario.warmup, max=scenario.duration, step=1.0)
        self.ends_by = spec.ends_by or _default_end(scenario, self.starts.min)
        self.kinds = [kind for kind in spec.kinds() if kinds is None or kind in kinds]
        self.bounds = {kind: spec.bounds(kind) for kind in self.kinds}
        self.knobs = list(spec.knobs.items())
        self._check()

    # ----------------------------------------------------------- the documents

    def document_for(self, schedule: Schedule, name: str) -> dict[str, Any]:
        """The scenario document that runs ``schedule``: knobs applied, faults replaced, renamed ``name``."""
        document = copy.deepcopy(self.document)
        for path, value in schedule.knobs:
            assign(document, path, copy.deepcopy(value))
        document["faults"] = copy.deepcopy(list(schedule.faults))
        document["name"] = name
        return document

    def scenario_for(self, schedule: Schedule, name: str) -> tuple[dict[str, Any], Scenario]:
        """The document of ``schedule`` and its validated scenario."""
        document = self.document_for(schedule, name)
        try:
            return document, Scenario.model_validate(document)
        except ValidationError as exc:
            raise ScenarioError(self.file, [Problem(f"explore ({problem.field})", problem.message)
                                            for problem in problems_of(exc, Scenario)]) from None

    # ------------------------------------------------------------ the strategy

    def strategy(self) -> st.SearchStrategy[Schedule]:
        """Schedules of this space, shrinking toward the empty schedule with the first knob values."""
        return _schedules(self)

    def start_span(self, kind: str) -> Span:
        """When a fault of ``kind`` may start so that its shortest window still ends in time."""
        # _check made every window bound a span.
        shortest = min((bound.min for name, bound in self.bounds[kind].items()
                        if name in WINDOW_PARAMS and isinstance(bound, Span)), default=0.0)
        latest = self.ends_by - shortest if shortest > 0 else self.ends_by - self.starts.resolution
        return Span(min=self.starts.min, max=max(min(self.starts.max, latest), self.starts.min),
                    step=self.starts.resolution)

    # -------------------------------------------------------------- checking

    def _check(self) -> None:
        problems: list[Problem] = []
        if not 0 <= self.starts.min < self.ends_by:
            problems.append(Problem("explore.starts", f"expected the earliest start before faults must end "
                                                      f"({self.ends_by:g}s), got {self.starts.min:g}s"))
        if self.ends_by > self.duration:
            problems.append(Problem("explore.ends_by", f"expected at most the duration ({self.duration:g}s), "
                                                       f"got {self.ends_by:g}s"))
        for kind in self.kinds:
            problems += self._check_kind(kind)
        for path, bound in self.knobs:
            problems += self._check_knob(path, bound)
        if problems:
            raise ScenarioError(self.file, problems)

    def _check_kind(self, kind: str) -> list[Problem]:
        """A fault of ``kind`` at each end of its bounds must be a valid fault that fits in the run."""
        bounds = self.bounds[kind]
        for name, bound in bounds.items():
            if name not in WINDOW_PARAMS:
                continue
            if not isinstance(bound, Span):
                return [Problem(f"explore.params.{kind}.{name}", "expected a span {min, max} for a fault's window, "
                                                                   "got a list")]
            if self.starts.min + bound.min > self.ends_by:
                return [Problem(f"explore.params.{kind}.{name}",
                                f"the shortest window ({bound.min:g}s) starting at the earliest start "
                                f"({self.starts.min:g}s) ends after faults must end ({self.ends_by:g}s)")]
        problems = []
        for end in (0, -1):
            params = {name: _extreme(bound, end) for name, bound in bounds.items()}
            try:
                FAULTS[kind].Params.model_validate(params)
            except ValidationError as exc:
                which = "low" if end == 0 else "high"
                problems += [Problem(f"explore.params.{kind}" + (f".{p.field}" if p.field else ""),
                                     f"at the {which} end of the bounds ({_brief(params)}): {p.message}")
                             for p in problems_of(exc, FAULTS[kind].Params)]
        return problems

    def _check_knob(self, path: str, bound: Bound) -> list[Problem]:
        field = f"explore.knobs.{path}"
        values = bound if isinstance(bound, list) else [_extreme(bound, 0), _extreme(bound, -1)]
        problems = []
        for value in values:
            document = copy.deepcopy(self.document)
            try:
                assign(document, path, copy.deepcopy(value))
                Scenario.model_validate(document)
            except PathError as exc:
                return [Problem(field, str(exc))]
            except ValidationError as exc:
                problems += [Problem(field, f"with {value!r}: {p.field}: {p.message}")
                             for p in problems_of(exc, Scenario)]
        return problems


def _default_end(scenario: Scenario, earliest: float) -> float:
    """The settle time before the end of the run, or the end when that leaves no room after ``earliest``."""
    end = scenario.duration - scenario.settle
    return end if end > earliest else scenario.duration


def _extreme(bound: Bound, end: int) -> Any:
    if isinstance(bound, list):
        return bound[end]
    return bound.value(0 if end == 0 else bound.steps())


def _brief(params: dict[str, Any]) -> str:
    return ", ".join(f"{name}={value!r}" for name, value in params.items())


@st.composite
def _schedules(draw: st.DrawFn, space: FaultSpace) -> Schedule:
    kinds = space.kinds if draw(st.booleans()) else [kind for kind in space.kinds if draw(st.booleans())]
    if len(kinds) > space.spec.max_faults:
        kinds = draw(st.permutations(kinds))[:space.spec.max_faults]
    faults: list[dict[str, Any]] = []
    room = space.spec.max_faults - len(kinds)
    for kind in kinds:
        more = draw(st.integers(0, room))
        room -= more
        faults += [_fault(draw, space, kind) for _ in range(1 + more)]
    knobs = tuple((path, _draw(draw, bound)) for path, bound in space.knobs)
    ordered = sorted(faults, key=lambda entry: (entry["at"], kind_of(entry)))
    return Schedule(tuple(ordered), knobs)


def _fault(draw: st.DrawFn, space: FaultSpace, kind: str) -> dict[str, Any]:
    at = _draw(draw, space.start_span(kind))
    params = {}
    for name, bound in space.bounds[kind].items():
        high = space.ends_by - at if name in WINDOW_PARAMS else None
        params[name] = _draw(draw, bound, high)
    return {"at": at, kind: params}


def _draw(draw: st.DrawFn, bound: Bound, high: float | None = None) -> Any:
    if isinstance(bound, list):
        return copy.deepcopy(draw(st.sampled_from(bound)))
    return bound.value(draw(st.integers(0, bound.steps(high))))


def read_document(path: str | Path) -> dict[str, Any]:
    """The plain data of a scenario file (the loader's errors when it cannot be read or is not a mapping), the
    files it names made absolute, so that a scenario written from it elsewhere still finds them."""
    return resolve_files(scenario_mapping(read_yaml(path), path), path)
