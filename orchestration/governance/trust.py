"""Trust scores per component: they fall on failures and recover with time and success.

A component starts at ``initial``. Each failure multiplies its score by
``1 - failure_penalty``; each success adds ``success_bonus``; between events
the score climbs back by ``recovery_per_s`` per simulated second, up to 1.
Scores are brought up to date lazily when read, so an idle component costs
nothing.

The scorer reports what it sees: ``trust.score_updated`` once a score has
moved by ``report_step`` since it was last reported, and
``trust.degradation_detected`` when a score falls below ``min_trust``.
"""
from __future__ import annotations

from collections.abc import Callable

from pydantic import Field

from chaosbench.orchestration.core.sections import Section
from chaosbench.orchestration.core.wiring import SILENT, Announce, Wiring


class TrustConfig(Section):
    """Trust scoring (design document 004 queries trust above 0.7 as trusted data)."""

    initial: float = Field(default=1.0, ge=0, le=1)
    failure_penalty: float = Field(default=0.25, ge=0, le=1, description="share of the score lost per failure")
    success_bonus: float = Field(default=0.02, ge=0, le=1)
    recovery_per_s: float = Field(default=0.001, ge=0, description="score regained per second")
    min_trust: float = Field(default=0.5, ge=0, le=1, description="below this a component is untrusted")
    report_step: float = Field(default=0.05, gt=0, le=1, description="score change that is reported as an update")


class TrustScorer:
    """The trust score of every component seen so far."""

    def __init__(self, wiring: Wiring, config: TrustConfig, announce: Announce = SILENT) -> None:
        self.env = wiring.env
        self.config = config
        self._emit = wiring.trace.emit
        self._count = wiring.recorder.count
        self._announce = announce
        self._scores: dict[str, tuple[float, float]] = {}
        self._reported: dict[str, float] = {}
        self.listeners: list[Callable[[str, float, float], None]] = []

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
        old = self.score(component)
        value = old * (1.0 - self.config.failure_penalty)
        self._emit(self.env.now, "trust", component, value)
        return self._set(component, old, value)

    def success(self, component: str) -> float:
        """Record a success of ``component``; returns its new score."""
        old = self.score(component)
        return self._set(component, old, min(1.0, old + self.config.success_bonus))

    def restore(self, component: str, value: float) -> float:
        """Set ``component``'s score to at least ``value`` (a review cleared it); returns its new score."""
        old = self.score(component)
        return self._set(component, old, max(old, value))

    def _set(self, component: str, old: float, value: float) -> float:
        self._scores[component] = (value, self.env.now)
        config = self.config
        reported = self._reported.get(component, config.initial)
        if abs(value - reported) >= config.report_step:
            self._reported[component] = value
            self._announce("trust.score_updated", {"component_id": component, "old_score": reported,
                                                   "new_score": value})
            for listener in self.listeners:
                listener(component, reported, value)
        if value < config.min_trust <= old:
            self._count("trust.degradations")
            severity = "CRITICAL" if value < config.min_trust / 2 else "WARNING"
            self._announce("trust.degradation_detected", {"component_id": component, "score": value,
                                                          "previous_score": old, "severity": severity})
        return value

    def snapshot(self) -> dict[str, float]:
        """Every known component's score, by name."""
        return {name: self.score(name) for name in sorted(self._scores)}
