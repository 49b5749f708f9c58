"""Admission at the door: what makes a task well-formed.

A task is rejected, with the reason in the trace, when its kind is not 1-128
letters, digits or ``_.:-``, its work is not a finite number of seconds >= 0,
its SLA is not a positive number of seconds, or its context names an unknown
risk level.
"""
from __future__ import annotations

import math
import re
from typing import Protocol

from chaosbench.orchestration.tasks.model import RISK_LEVELS, Task

_KIND = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")


def invalid_reason(task: Task, known_kinds: set[str] | None = None) -> str:
    """Why ``task`` cannot be admitted, or ``""`` when it can.

    ``known_kinds`` caches the kinds already found well-formed (and learns new ones).
    """
    kind = task.kind
    if not isinstance(kind, str):
        return "kind must be 1-128 letters, digits or _.:-"
    if known_kinds is None or kind not in known_kinds:
        if not _KIND.match(kind):
            return "kind must be 1-128 letters, digits or _.:-"
        if known_kinds is not None:
            known_kinds.add(kind)
    if not (math.isfinite(task.work) and task.work >= 0):
        return "work must be a finite number of seconds >= 0"
    if not task.sla > 0:  # also false for NaN
        return "sla must be a positive number of seconds"
    context = task.context
    if context is not None and context.risk_level not in RISK_LEVELS:
        return f"risk_level must be one of {', '.join(RISK_LEVELS)}"
    return ""


class ApprovalDesk(Protocol):
    """Where a task that needs an approval waits for it (the approval gate)."""

    def submit(self, task: Task) -> None:
        """Hold ``task`` until it is approved (then queued), denied or expired."""


class AdmissionCheck:
    """The check at the door, remembering the kinds it has found well-formed.

    The common case, a known kind with no context, needs no full check.
    """

    def __init__(self) -> None:
        self._kinds: set[str] = set()

    def reason(self, task: Task) -> str:
        """Why ``task`` cannot be admitted, or ``""`` when it can."""
        kind = task.kind
        if (
            task.context is None and type(kind) is str and kind in self._kinds
            and 0.0 <= task.work < math.inf and task.sla > 0.0
        ):
            return ""
        return invalid_reason(task, self._kinds)
