"""What every component is wired to: the runtime's clock, randomness, recorder and trace, and the audit log.

The stack builds one :class:`Wiring` and hands it to each component, which
keeps what it uses. A component built alone (in a test) gets
``Wiring.of(runtime)``, whose audit log keeps nothing.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import simpy

from chaosbench.orchestration.core.audit import NULL_AUDIT, Audit
from chaosbench.orchestration.core.runtime import Recorder, Runtime, Trace


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
