"""The simulated human operator who answers approval requests.

The operator reads requests one at a time, in the order they came. Each
answer takes a response time drawn from a log-normal distribution (median
``median_response``, shape ``sigma``) on the stream ``operator.response``, and
approves with probability ``approve_probability`` (stream
``operator.decision``). While the operator is away nothing is answered; a
review under way when they leave is picked up again on return.
"""
from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Generator
from typing import Any

import simpy
from pydantic import Field

from chaosbench.orchestration.core.sections import Section
from chaosbench.orchestration.core.wiring import Wiring

Decision = Callable[[bool], None]


class OperatorConfig(Section):
    """The human in the loop."""

    available: bool = Field(default=True, description="whether the operator is there at the start")
    median_response: float = Field(default=60.0, gt=0, description="median seconds to answer one request")
    sigma: float = Field(default=0.5, ge=0, description="log-normal shape of the response time")
    approve_probability: float = Field(default=0.9, ge=0, le=1)


class Operator:
    """Answers requests in order while available."""

    def __init__(self, wiring: Wiring, config: OperatorConfig) -> None:
        self.env = wiring.env
        self.config = config
        self.available = config.available
        self._response = wiring.rng("operator.response")
        self._decision = wiring.rng("operator.decision")
        self._emit = wiring.trace.emit
        self._waiting: deque[tuple[int, Decision]] = deque()
        self._reviewing = False
        self.answered = 0

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def ask(self, ref: int, decide: Decision) -> None:
        """Request a decision about ``ref``; ``decide(approved)`` is called with the answer."""
        self._waiting.append((ref, decide))
        self._wake()

    def set_available(self, available: bool) -> None:
        """The operator leaves (False) or comes back (True)."""
        if available != self.available:
            self.available = available
            self._emit(self.env.now, "operator", int(available))
            self._wake()

    def _wake(self) -> None:
        if self.available and self._waiting and not self._reviewing:
            self._reviewing = True
            self.env.process(self._review())

    def _review(self) -> Generator[simpy.Event, Any, None]:
        config = self.config
        while self.available and self._waiting:
            yield self.env.timeout(self._response.lognormvariate(math.log(config.median_response), config.sigma))
            if not self.available:
                break
            ref, decide = self._waiting.popleft()
            approved = self._decision.random() < config.approve_probability
            self.answered += 1
            self._emit(self.env.now, "operator_answer", ref, int(approved))
            decide(approved)
        self._reviewing = False
