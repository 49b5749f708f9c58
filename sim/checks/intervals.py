"""Confidence intervals over runs: a mean's (Student t), a pass rate's (Clopper–Pearson) and a paired difference's.

A probe's values over seeds are summarised by their mean and the Student-t
interval of that mean; a pass rate, a proportion of runs, by the exact
Clopper–Pearson interval (for 4 passes out of 4 at 95%, [0.398, 1]: four
runs do not prove a scenario always passes). A paired difference (the same
seed with and without a change) is the mean of the differences with their
t interval. The quantiles come from :mod:`scipy.stats` (the ``stats`` extra), imported
when first needed, so that reading results stays quick when no interval is
asked for and a core install runs suites without it.

Light on purpose (no stack): the reports and the sweeps share it.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from chaosbench.sim.checks.identity import PROBE_PREFIX
from chaosbench.sim.spec.extras import require

#: The confidence of every interval unless asked otherwise.
CONFIDENCE = 0.95
#: How the ``interval`` column of :func:`summarize` names each method.
STUDENT_T, CLOPPER_PEARSON = "student-t", "clopper-pearson"


def mean_ci(values: Sequence[float], confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """``(mean, low, high)`` of the finite ``values``; the interval is NaN with fewer than two."""
    finite = [float(v) for v in values if v is not None and math.isfinite(v)]
    n = len(finite)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = math.fsum(finite) / n
    if n < 2:
        return mean, math.nan, math.nan
    stats = _stats()

    variance = math.fsum((v - mean) ** 2 for v in finite) / (n - 1)
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * math.sqrt(variance / n)
    return mean, mean - half, mean + half


def proportion_ci(successes: int, trials: int, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """``(rate, low, high)``: the share of ``trials`` that succeeded and its exact Clopper–Pearson interval;
    NaN for no trials."""
    if trials <= 0:
        return math.nan, math.nan, math.nan
    interval = _stats().binomtest(successes, trials).proportion_ci(confidence_level=confidence, method="exact")
    return successes / trials, float(interval.low), float(interval.high)


def _stats() -> Any:
    """``scipy.stats``, which the ``stats`` extra installs."""
    return require("scipy.stats", "stats", "a confidence interval")


@dataclass(frozen=True)
class PairedDifference:
    """The paired difference ``after - before`` over the pairs where both were measured."""

    pairs: int
    before: float  # mean over the pairs kept
    after: float
    difference: float
    low: float
    high: float


def paired_difference(pairs: Sequence[tuple[float, float]], confidence: float = CONFIDENCE) -> PairedDifference:
    """The mean of ``after - before`` over the ``(before, after)`` pairs, with its interval.

    A pair is left out when either value could not be measured (NaN), or
    both are infinite in the same direction (a recovery that came in neither
    run). An infinite difference (a recovery that never came on one side)
    makes the mean infinite, with no interval.
    """
    kept = [(before, after) for before, after in pairs if not math.isnan(after - before)]
    differences = [after - before for before, after in kept]
    if any(math.isinf(difference) for difference in differences):
        mean, low, high = _mean(differences), math.nan, math.nan
    else:
        mean, low, high = mean_ci(differences, confidence)
    return PairedDifference(len(kept), _mean([before for before, _ in kept]), _mean([after for _, after in kept]),
                            mean, low, high)


def estimate_text(mean: float, low: float, high: float, *, signed: bool = False) -> str:
    """``2.5 [1.2, 3.8]``: a mean and its interval as people read it (``+2.5 [-3.85, +8.85]`` ``signed``, for a
    difference); the mean alone without an interval, ``n/a`` when nothing was measured."""
    sign = "+" if signed else ""
    if math.isnan(mean):
        return "n/a"
    if math.isnan(low):
        return f"{mean:{sign}.4g}"
    return f"{mean:{sign}.4g} [{low:{sign}.3g}, {high:{sign}.3g}]"


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else math.nan


def summarize(table: pd.DataFrame, by: Sequence[str], confidence: float = CONFIDENCE) -> pd.DataFrame:
    """One row per group of ``by`` and per metric: values counted, mean and its interval, and the method.

    The metrics are every ``probe_*`` column (mean with its Student-t
    interval) and ``passed`` (the pass rate with its Clopper–Pearson interval).
    """
    metrics = [column for column in table.columns if column.startswith(PROBE_PREFIX)]
    rows = []
    for group, runs in table.groupby(list(by), sort=False, dropna=False):
        group = group if isinstance(group, tuple) else (group,)
        for metric in metrics:
            values = [v for v in runs[metric].astype(float).tolist() if math.isfinite(v)]
            rows.append((*group, metric, len(values), *mean_ci(values, confidence), STUDENT_T))
        passed = runs["passed"].astype(bool)
        rows.append((*group, "passed", len(passed), *proportion_ci(int(passed.sum()), len(passed), confidence),
                     CLOPPER_PEARSON))
    return pd.DataFrame(rows, columns=[*by, "metric", "runs", "mean", "ci_low", "ci_high", "interval"])
