"""What every fault has: parameters, a window in simulated time, and an observed effect.

A fault acts only through the stack's public controls. It begins at its
``at`` time, ends ``for`` seconds later (a fault without ``for`` acts once),
and reports the size of the effect it observed: a fault whose effect is zero
never landed, and the run says so.
"""
from __future__ import annotations

import json
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import ConfigDict, Field
from simpy.events import ProcessGenerator

from chaosbench.orchestration.stack import Stack
from chaosbench.sim.spec.fields import Duration, Model

FAULT_COLUMNS = ("index", "kind", "start", "end", "parameters", "effect_size", "effect")


class FaultParams(Model):
    """Parameters of a fault; ``for`` is spelled ``for_`` in Python."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @property
    def duration(self) -> float:
        return float(getattr(self, "for_", 0.0))


class Windowed(FaultParams):
    """A fault that lasts ``for`` seconds."""

    for_: Duration = Field(alias="for")


P = TypeVar("P", bound=FaultParams)


class Fault(Generic[P]):
    """One injected fault of a run; ``P`` is the model of its parameters.

    Subclasses name their ``kind`` and ``Params`` (the model ``P``) and
    implement :meth:`begin`; :meth:`end` undoes what a windowed fault did;
    :meth:`effect` measures what the fault changed, as a size (0 when
    nothing) and a sentence.
    """

    kind: ClassVar[str]
    Params: ClassVar[type[FaultParams]]

    def __init__(self, stack: Stack, params: P, at: float, index: int) -> None:
        self.stack = stack
        self.params = params
        self.at = at
        self.index = index
        self.started: float | None = None
        self.ended: float | None = None

    @property
    def rng_name(self) -> str:
        return f"fault.{self.index}.{self.kind}"

    def begin(self) -> None:
        raise NotImplementedError

    def end(self) -> None:
        """Undo the fault at the end of its window; nothing by default."""

    def effect(self) -> tuple[float, str]:
        raise NotImplementedError

    def row(self) -> tuple[Any, ...]:
        size, description = self.effect()
        parameters = json.dumps(self.params.model_dump(mode="json", by_alias=True), sort_keys=True)
        start = self.started if self.started is not None else float("nan")
        end = self.ended if self.ended is not None else float("nan")
        return (self.index, self.kind, start, end, parameters, float(size), description)


def schedule(faults: list[Fault[Any]]) -> None:
    """Start the process of each fault: begin at ``at``, end after its duration."""
    for fault in faults:
        fault.stack.runtime.env.process(_window(fault))


def _window(fault: Fault[Any]) -> ProcessGenerator:
    env = fault.stack.runtime.env
    trace = fault.stack.runtime.trace
    yield env.timeout(fault.at)
    fault.started = float(env.now)
    trace.emit(fault.started, "fault.begin", fault.index, fault.kind)
    fault.begin()
    if fault.params.duration > 0:
        yield env.timeout(fault.params.duration)
        fault.end()
    fault.ended = float(env.now)
    trace.emit(fault.ended, "fault.end", fault.index, fault.kind)


def record(faults: list[Fault[Any]]) -> None:
    """Write one row per fault that began into the ``faults`` table."""
    if not faults:
        return
    table = faults[0].stack.runtime.recorder.table("faults", FAULT_COLUMNS)
    for fault in faults:
        if fault.started is not None:
            table.append(*fault.row())
