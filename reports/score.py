"""The resilience score of a set of runs, and the formula the reports print beside it."""
from __future__ import annotations

import pandas as pd

#: How the score is computed, stated in every report that shows it.
SCORE_FORMULA = (
    "score = 100 × Σ (1 + level) × credit / Σ (1 + level), over every run except canaries (scenarios that must fail); "
    "credit = 1 for a passed run, 0 for a run that broke an invariant, otherwise half the share of its "
    "probes that held. Harder levels weigh more; canaries must fail and are checked separately."
)


def run_credit(passed: bool, probes: int, probes_failed: int, invariants_broken: int) -> float:
    """One run's credit in the score (see :data:`SCORE_FORMULA`)."""
    if passed:
        return 1.0
    if invariants_broken or not probes:
        return 0.0
    return 0.5 * (probes - probes_failed) / probes


def resilience_score(runs: pd.DataFrame) -> float | None:
    """The score (0–100) of a :func:`reports.loading.load_runs` frame; None when no run counts."""
    counted = runs[~runs["canary"]]
    if counted.empty:
        return None
    weights = 1 + counted["level"].astype(float)
    credits = [run_credit(bool(r.passed), int(r.probes), int(r.probes_failed), int(r.invariants_broken))
               for r in counted.itertuples(index=False)]
    return float(100.0 * (weights * credits).sum() / weights.sum())
