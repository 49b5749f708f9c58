"""Trust scores per component: they fall on failures and recover with time and success.

A component starts at ``initial``. Each failure multiplies its score by
``1 - failure_penalty``; each success adds ``success_bonus``; between events
the score climbs back by ``recovery_per_s`` per simulated second, up to 1.
Scores are brought up to date lazily when read, so an idle component costs
nothing.
"""
from __future__ import annotations

from pydantic import Field

from chaosbench.orchestration.core.sections import Section
from chaosbench.orchestration.core.wiring import Wiring


class TrustConfig(Section):
    """Trust scoring (design document 004 queries trust above 0.7 as trusted data)."""

    initial: float = Field(default=1.0, ge=0, le=1)
    failure_penalty: float = Field(default=0.25, ge=0, le=1, description="share of the score lost per failure")
    success_bonus: float = Field(default=0.02, ge=0, le=1)
    recovery_per_s: float = Field(default=0.001, ge=0, description="score regained per second")
    min_trust: float = Field(default=0.5, ge=0, le=1, description="below this a component is untrusted")


class TrustScorer:
    """The trust score of every component seen so far."""

    def __init__(self, wiring: Wiring, config: TrustConfig) -> None:
        self.env = wiring.env
        self.config = config
        self._emit = wiring.trace.emit
        self._scores: dict[str, tuple[float, float]] = {}

    def score(self, component: str) -> float:
        """The component's score now."""
        entry = self._scores.get(component)
        if entry is None:
            return self.config.initial
        value, since = entry
        return min(1.0, value + self.config.recovery_per_s * (self.env.now - since))

    def trusted(self, component: str) -> bool:
        return self.score(component) >= self.config.min_trust

    def failure(self, component: str) -> float:
        """Record a failure of ``component``; returns its new score."""
        value = self.score(component) * (1.0 - self.config.failure_penalty)
        self._scores[component] = (value, self.env.now)
        self._emit(self.env.now, "trust", component, value)
        return value

    def success(self, component: str) -> float:
        """Record a success of ``component``; returns its new score."""
        value = min(1.0, self.score(component) + self.config.success_bonus)
        self._scores[component] = (value, self.env.now)
        return value

    def snapshot(self) -> dict[str, float]:
        """Every known component's score, by name."""
        return {name: self.score(name) for name in sorted(self._scores)}
