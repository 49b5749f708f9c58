"""What every component is wired to: the runtime's clock, randomness, recorder and trace, and the audit log.

The stack builds one :class:`Wiring` and hands it to each component, which
keeps what it uses. A component built alone (in a test) gets
``Wiring.of(runtime)``, whose audit log keeps nothing.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import simpy

from chaosbench.orchestration.core.audit import NULL_AUDIT, Audit
from chaosbench.orchestration.core.runtime import Recorder, Runtime, Trace

#: Publishes an event of a type with a payload on the stack's bus. Components of
#: packages that may not import the mesh report what they observe through one.
Announce = Callable[[str, dict[str, Any]], object]


def _silent(_event_type: str, _payload: dict[str, Any]) -> None:
    """An announcer for a component built alone: nobody listens."""


SILENT: Announce = _silent


@dataclass(frozen=True, slots=True)
class Wiring:
    """The collaborators every component shares."""

    env: simpy.Environment
    recorder: Recorder
    trace: Trace
    rng: Callable[[str], random.Random]
    audit: Audit

    @classmethod
    def of(cls, runtime: Runtime, audit: Audit = NULL_AUDIT) -> Wiring:
        """The wiring of ``runtime``, writing narratives to ``audit``."""
        return cls(runtime.env, runtime.recorder, runtime.trace, runtime.rng, audit)
