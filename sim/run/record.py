"""The record of one run: the typed journal (DESIGN §4) and :class:`RunResult`, the journal with its tables.

The journal is built once, by the runner, with everything in it; it is
frozen. ``journal.json`` is its JSON form (:meth:`Journal.to_json`), and a
journal read back from disk is validated by the same model
(:func:`journal_from_json`), so readers use attributes, never string keys.

The JSON keeps the keys DESIGN §4 lists. ``schema`` is the journal's
version: a reader accepts every journal of its own major version (a minor
version only adds keys), reads a journal of schema 1 by upgrading its probes
(:func:`sim.run.probe_result.upgrade_probes`), and refuses a newer major
version with an error that names the file. Floats that are not finite (a
recovery that never happened) are ``null`` in JSON.

Version 2 gave each probe its id and a structured bound
(``{id, kind, params, value, unit, bound: {op, value, unit}, margin,
passed}``) and added ``context`` (host, start time, the scenarios' git
commit).

Light on purpose: pydantic and pandas only, no SimPy and no stack, so the
reports can take a run that is only held in memory.
"""
from __future__ import annotations

import functools
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, overload

import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
    model_validator,
)

from chaosbench.sim.run.probe_result import Bound, ProbeResult, upgrade_probes
from chaosbench.sim.run.verdict import Verdict, is_canary, verdict

__all__ = ["SCHEMA", "Audit", "Bound", "Counts", "InvariantResult", "Journal", "JournalError", "ProbeResult",
           "RunContext", "RunResult", "Safeguards", "journal_from_json", "versions"]

#: The version this code writes: ``major.minor``.
SCHEMA = "2.0"
#: The oldest major version this code reads (upgrading it on the way in).
OLDEST_MAJOR = 1


class JournalError(ValueError):
    """A journal that cannot be read: not JSON, not a journal, or of a newer schema than this code reads."""


class _Record(BaseModel):
    # Keys a newer minor version adds are ignored, so an older reader still reads its journals.
    model_config = ConfigDict(frozen=True, extra="ignore")


class InvariantResult(_Record):
    """One safety invariant of a run."""

    held: bool
    detail: str = ""


class Safeguards(_Record):
    """Which safeguards fired (how often), which the scenario expected, and which of those never fired."""

    fired: dict[str, int] = Field(default_factory=dict)
    expected: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)


class Counts(_Record):
    """Tasks by outcome and every counter the stack kept (``router.events_received``...).

    In JSON the counters stand beside ``tasks_created`` and ``tasks``, one key each.
    """

    tasks_created: int = 0
    tasks: dict[str, int] = Field(default_factory=dict)
    counters: dict[str, int] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _gather_counters(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "counters" in data:
            return data
        own = ("tasks_created", "tasks")
        return {**{key: data[key] for key in own if key in data},
                "counters": {key: value for key, value in data.items() if key not in own}}

    @model_serializer(mode="wrap")
    def _spread_counters(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        return {"tasks_created": data["tasks_created"], "tasks": data["tasks"], **data["counters"]}

    def counter(self, name: str) -> int:
        """The counter ``name`` (``router.events_received``...); 0 when the run never counted it."""
        return self.counters.get(name, 0)


class Audit(_Record):
    """The audit chain's head and length."""

    head: str = ""
    entries: int = 0


class RunContext(_Record):
    """Where and when a run was made: the host, the wall-clock start (ISO 8601, UTC), and the git commit of the
    repository holding the scenario file ('' outside one), with whether the file differed from it."""

    host: str = ""
    started_at: str = ""
    git_commit: str = ""
    git_dirty: bool = False


class Journal(_Record):
    """The journal of one run (DESIGN §4)."""

    model_config = ConfigDict(validate_by_name=True, serialize_by_alias=True)

    schema_version: str = Field(default=SCHEMA, alias="schema")
    scenario: str
    file: str
    seed: int
    level: int
    parameters: dict[str, Any]  # the effective scenario document, after the level was applied
    passed: bool
    probes: list[ProbeResult]
    safeguards: Safeguards
    invariants: dict[str, InvariantResult]
    counts: Counts
    audit: Audit = Field(default_factory=Audit)
    trace_digest: str
    sim_time: float
    wall_time_s: float
    events_processed: int
    reproduce: str
    versions: dict[str, str] = Field(default_factory=dict)
    findings: list[str] = Field(default_factory=list)
    aggregated: dict[str, str] = Field(default_factory=dict)  # tables aggregated per simulated second, and how
    context: RunContext = Field(default_factory=RunContext)

    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, data: Any) -> Any:
        if isinstance(data, dict) and _major(str(data.get("schema", "1.0")), "journal") < 2 and \
                isinstance(data.get("probes"), list):
            return {**data, "schema": SCHEMA, "probes": upgrade_probes(data["probes"], data.get("parameters") or {})}
        return data

    @property
    def title(self) -> str:
        return str(self.parameters.get("title") or "")

    @property
    def description(self) -> str:
        return str(self.parameters.get("description") or "").strip()

    @property
    def tags(self) -> list[str]:
        return [str(tag) for tag in self.parameters.get("tags") or []]

    @property
    def warmup(self) -> float:
        """Simulated seconds at the start that task-based probes leave out."""
        return float(self.parameters.get("warmup") or 0.0)

    @property
    def canary(self) -> bool:
        """The scenario must fail (see :func:`sim.run.verdict.is_canary`)."""
        return is_canary(self.scenario, self.tags)

    @property
    def verdict(self) -> Verdict:
        """What the run's outcome means to its suite: the one canary rule (:mod:`sim.run.verdict`)."""
        return verdict(self.passed, self.canary)

    @property
    def ok(self) -> bool:
        """The run passed, or it is a canary that failed as it must."""
        return self.verdict.ok

    @property
    def label(self) -> str:
        """``scenario[level2-seed7]``: how a run is named in reports and test results."""
        return f"{self.scenario}[level{self.level}-seed{self.seed}]"

    @property
    def failed_probes(self) -> list[ProbeResult]:
        return [probe for probe in self.probes if not probe.passed]

    def probe(self, probe_id: str) -> ProbeResult | None:
        """The probe of this id, or None when the run has none."""
        return next((probe for probe in self.probes if probe.id == probe_id), None)

    @property
    def broken_invariants(self) -> dict[str, InvariantResult]:
        return {name: check for name, check in self.invariants.items() if not check.held}

    def to_json(self) -> dict[str, Any]:
        """The journal as plain JSON data, as ``journal.json`` holds it."""
        data: dict[str, Any] = json.loads(self.model_dump_json())
        return data


def journal_from_json(text: str, source: str = "journal") -> Journal:
    """The journal in ``text``; a :class:`JournalError` naming ``source`` when it cannot be read."""
    try:
        data = json.loads(text, parse_constant=_not_json)
    except ValueError as exc:
        raise JournalError(f"{source}: not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise JournalError(f"{source}: not a run journal (expected a JSON object)")
    version = str(data.get("schema", "1.0"))
    if _major(version, source) > _major(SCHEMA, source):
        raise JournalError(f"{source}: journal schema {version} is newer than this chaosbench reads "
                           f"(up to {_major(SCHEMA, source)}.x); upgrade chaosbench to read it")
    if _major(version, source) < OLDEST_MAJOR:
        raise JournalError(f"{source}: journal schema {version} is older than this chaosbench reads "
                           f"({OLDEST_MAJOR}.x and later)")
    try:
        return Journal.model_validate(data)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "journal"
        raise JournalError(f"{source}: not a run journal: {where}: {problem['msg']}") from None


def _not_json(word: str) -> float:
    raise ValueError(f"{word} is not a JSON value")


def _major(version: str, source: str) -> int:
    try:
        return int(version.split(".")[0])
    except ValueError:
        raise JournalError(f"{source}: journal schema {version!r} is not a version (expected MAJOR.MINOR)") from None


def versions() -> dict[str, str]:
    """Versions of the interpreter and of the libraries a result depends on."""
    return dict(_versions())


@functools.cache
def _versions() -> dict[str, str]:
    # Reading package metadata costs milliseconds: once per process, not once per run.
    found = {"python": sys.version.split()[0]}
    for package in ("chaosbench", "simpy", "pydantic", "pandas", "numpy", "pyarrow"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "unknown"
    return found


class _Table:
    """``result.<name>``: the run's table of that name; an empty frame when the run did not record it."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, result: None, owner: type | None = None) -> _Table: ...

    @overload
    def __get__(self, result: RunResult, owner: type | None = None) -> pd.DataFrame: ...

    def __get__(self, result: RunResult | None, owner: type | None = None) -> _Table | pd.DataFrame:
        if result is None:
            return self
        table = result.tables.get(self.name)
        return table if table is not None else pd.DataFrame()


@dataclass(frozen=True)
class RunResult:
    """The journal and the tables of one finished run.

    Each table of :data:`sim.run.layout.TABLES` is a property (``result.tasks``, ``result.faults``...).
    """

    journal: Journal
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.journal.passed

    def table(self, name: str) -> pd.DataFrame | None:
        """The table ``name``, or None when the run did not record it."""
        return self.tables.get(name)

    tasks = _Table()
    timeseries = _Table()
    faults = _Table()
    events = _Table()
    workflows = _Table()
    actions = _Table()
    dead_letters = _Table()
    cascades = _Table()
    audit = _Table()
    boot = _Table()
    watchdog = _Table()
    immune = _Table()
    learning = _Table()
