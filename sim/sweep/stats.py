"""Means with Student-t confidence intervals, for summarising a sweep's runs per setting.

The t quantile is computed here (regularized incomplete beta by continued
fraction, then bisection) so that the testbench needs no scientific stack
beyond numpy and pandas.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

_EPSILON = 1e-14


def mean_ci(values: Sequence[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """``(mean, low, high)`` of the finite ``values``; the interval is NaN with fewer than two."""
    finite = [float(v) for v in values if v is not None and math.isfinite(v)]
    n = len(finite)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = math.fsum(finite) / n
    if n < 2:
        return mean, math.nan, math.nan
    variance = math.fsum((v - mean) ** 2 for v in finite) / (n - 1)
    half = t_quantile(0.5 + confidence / 2, n - 1) * math.sqrt(variance / n)
    return mean, mean - half, mean + half


def t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t distribution with ``df`` degrees of freedom."""
    if not 0.0 < p < 1.0 or df <= 0:
        raise ValueError(f"expected 0 < p < 1 and df > 0, got p={p}, df={df}")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    if p == 0.5:
        return 0.0
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        low, high = high, high * 2.0
    for _ in range(200):
        middle = (low + high) / 2
        if t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
        if high - low <= 1e-12 * max(1.0, high):
            break
    return (low + high) / 2


def t_cdf(t: float, df: float) -> float:
    """Student's t cumulative distribution function."""
    tail = 0.5 * _incomplete_beta(df / 2, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def _incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    # The continued fraction converges quickly only on this side of the mean; use symmetry otherwise.
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(b, a, 1.0 - x) / b


def _beta_fraction(a: float, b: float, x: float) -> float:
    """Lentz's evaluation of the incomplete beta continued fraction."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 500):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1.0) < _EPSILON:
            break
    return result


def summarize(table: pd.DataFrame, by: Sequence[str], confidence: float = 0.95) -> pd.DataFrame:
    """One row per group of ``by`` and per metric: finite values, mean and its confidence interval.

    The metrics are every ``probe_*`` column and ``passed`` (whose mean is the pass rate).
    """
    metrics = [column for column in table.columns if column.startswith("probe_")] + ["passed"]
    rows = []
    for group, runs in table.groupby(list(by), sort=False, dropna=False):
        group = group if isinstance(group, tuple) else (group,)
        for metric in metrics:
            values = [v for v in runs[metric].astype(float).tolist() if math.isfinite(v)]
            mean, low, high = mean_ci(values, confidence)
            rows.append((*group, metric, len(values), mean, low, high))
    return pd.DataFrame(rows, columns=[*by, "metric", "runs", "mean", "ci_low", "ci_high"])
