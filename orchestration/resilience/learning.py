"""The learning loop: which workflow or playbook resolved which incident signature, and what to try first.

Every attempt to resolve an incident is recorded with its outcome and
duration. The recommendation for a signature is the workflow with the best
success rate among those that resolved it at least once, ties broken by the
shorter mean duration and then by name, so the choice never depends on the
order in which workflows were first seen.

:meth:`WorkflowLearning.ranking` orders the candidate playbooks of a
signature: the recommendation first, then the ranking learned before the run
(``ranking`` in the configuration, per signature, best first: the chaos loop
passes in what earlier runs recorded), then the candidates in their
configured order. With ``enabled: false`` outcomes are still recorded but the
order is always the configured one.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import Field, field_validator

from chaosbench.orchestration.core.sections import Section
from chaosbench.orchestration.core.wiring import Wiring

LEARNING_COLUMNS = ("time", "signature", "workflow", "resolved", "duration")


class LearningConfig(Section):
    """The learning loop: on or off, and the playbook ranking learned before the run."""

    enabled: bool = Field(default=True, description="whether learned outcomes reorder the playbooks")
    patience: float = Field(default=5.0, gt=0, le=1000, description="a kernel whose degraded test quality the "
                            "learning kernel recorded gets calls this many times its mean latency long")
    ranking: dict[str, tuple[str, ...]] = Field(
        default={},
        description="per incident signature, playbooks best first (a list, or names separated by spaces)",
    )

    @field_validator("ranking", mode="before")
    @classmethod
    def _names_in_a_line(cls, ranking: Any) -> Any:
        # ``--set stack.learning.ranking.kernel_down='redeploy_kernel restart_kernel'`` gives a line of names.
        if isinstance(ranking, dict):
            return {signature: names.split() if isinstance(names, str) else names
                    for signature, names in ranking.items()}
        return ranking


class WorkflowLearning:
    """Outcomes per (signature, workflow), the recommendation they support, and the order of playbooks to try."""

    def __init__(self, wiring: Wiring, config: LearningConfig | None = None) -> None:
        config = config or LearningConfig()
        self.env = wiring.env
        self.enabled = config.enabled
        self._prior = config.ranking
        self._rows = wiring.recorder.table("learning", LEARNING_COLUMNS)
        # signature -> workflow -> [attempts, resolved, total duration]
        self._stats: dict[str, dict[str, list[float]]] = {}

    def record(self, signature: str, workflow: str, resolved: bool, duration: float = 0.0) -> None:
        """Remember one attempt of ``workflow`` at ``signature``."""
        stats = self._stats.setdefault(signature, {}).setdefault(workflow, [0, 0, 0.0])
        stats[0] += 1
        stats[1] += int(resolved)
        stats[2] += duration
        self._rows.append(float(self.env.now), signature, workflow, int(resolved), float(duration))

    def success_rate(self, signature: str, workflow: str) -> float:
        """Share of attempts of ``workflow`` at ``signature`` that resolved it (0 if never tried)."""
        stats = self._stats.get(signature, {}).get(workflow)
        return stats[1] / stats[0] if stats else 0.0

    def recommend(self, signature: str) -> str | None:
        """The learned workflow for ``signature``, or None if nothing has resolved it yet."""
        best = None
        best_key = None
        for workflow, (attempts, resolved, duration) in self._stats.get(signature, {}).items():
            if resolved:
                key = (-resolved / attempts, duration / attempts, workflow)
                if best_key is None or key < best_key:
                    best, best_key = workflow, key
        return best

    def ranking(self, signature: str, candidates: Sequence[str]) -> list[str]:
        """The order in which to try ``candidates`` (playbooks in their configured order) at ``signature``."""
        if not self.enabled:
            return list(candidates)
        order = [name for name in self._prior.get(signature, ()) if name in candidates]
        order += [name for name in candidates if name not in order]
        learned = self.recommend(signature)
        if learned in order:
            order.remove(learned)
            order.insert(0, learned)
        return order

    @property
    def learned(self) -> int:
        """Signatures with a recommendation."""
        return sum(1 for signature in self._stats if self.recommend(signature) is not None)
