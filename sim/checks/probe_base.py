"""What every probe is built on: the run as probes see it (:class:`Observed`), and the kinds of bound.

A probe is a parameter model deriving from :class:`AtLeast` (a ``min``
bound), :class:`AtMost` (a ``max`` bound) or :class:`Bounded` (a count
bounded by ``max``), whose other fields pick what it measures, with an
``observe`` method; :data:`sim.checks.probes.PROBES` names them.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd
from pydantic import Field

from chaosbench.sim.checks.identity import BOUND_OPERATORS
from chaosbench.sim.checks.measures import TASK_COLUMNS, measured_tasks, recovery_time
from chaosbench.sim.checks.rows import Rows
from chaosbench.sim.spec.fields import Model


@dataclass(frozen=True)
class Observed:
    """What a run recorded, as probes see it: the tasks and the timeseries row by row (they grow with the run),
    the other tables whole."""

    tasks: Rows
    timeseries: Rows
    warmup: float
    end: float
    faults: pd.DataFrame | None = None
    counts: dict[str, int] | None = None
    tables: Mapping[str, pd.DataFrame] | None = None

    def count_measured(self, priority: str | None, select: Callable[[pd.DataFrame], pd.Series],
                       columns: Sequence[str] = TASK_COLUMNS) -> int:
        """How many of the measured tasks (of one priority when given) ``select`` marks."""
        return self.tasks.count(columns, lambda chunk: select(measured_tasks(chunk, self.warmup, priority)))

    def recovery_time(self) -> float:
        """Seconds from the end of the last fault until the queue settled (see :func:`recovery_time`)."""
        if self.faults is None or self.faults.empty:
            return 0.0
        return recovery_time(self.timeseries.frame(["time", "depth_total"]), self.faults, self.warmup)

    def counter(self, name: str) -> float:
        """The stack's counter ``name`` at the end of the run; 0 when it was never counted."""
        return float((self.counts or {}).get(name, 0))


class ProbeModel(Model):
    """A probe's parameters: its bound field (``min`` or ``max``, named by ``bound_field``) and what it measures."""

    bound_field: ClassVar[str]

    def threshold(self) -> float:
        return float(getattr(self, self.bound_field))

    def operator(self) -> str:
        return BOUND_OPERATORS[self.bound_field]

    def holds(self, value: float) -> bool:
        return value >= self.threshold() if self.operator() == ">=" else value <= self.threshold()

    def parameters(self) -> dict[str, Any]:
        """The parameters that pick what the probe measures (the bound left out, and those left unset)."""
        return {name: value for name, value in self.model_dump().items()
                if name != self.bound_field and value is not None}


class AtLeast(ProbeModel):
    """A probe whose value must stay at or above ``min``."""

    bound_field = "min"


class AtMost(ProbeModel):
    """A probe whose value must stay at or below ``max``."""

    bound_field = "max"


class Bounded(AtMost):
    """A count that must stay at or below ``max``."""

    max: float = Field(ge=0, allow_inf_nan=False)
