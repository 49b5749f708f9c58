"""The learning loop: which workflow resolved which incident signature.

Every attempt to resolve an incident is recorded with its outcome and
duration. The recommendation for a signature is the workflow with the best
success rate among those that resolved it at least once, ties broken by the
shorter mean duration and then by name, so the choice never depends on the
order in which workflows were first seen.
"""
from __future__ import annotations

from chaosbench.orchestration.core.wiring import Wiring

LEARNING_COLUMNS = ("time", "signature", "workflow", "resolved", "duration")


class WorkflowLearning:
    """Outcomes per (signature, workflow) and the recommendation they support."""

    def __init__(self, wiring: Wiring) -> None:
        self.env = wiring.env
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

    @property
    def learned(self) -> int:
        """Signatures with a recommendation."""
        return sum(1 for signature in self._stats if self.recommend(signature) is not None)
