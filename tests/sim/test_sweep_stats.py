"""Student-t quantiles and the per-setting means with 95% confidence intervals."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from chaosbench.sim.sweep.stats import mean_ci, summarize, t_quantile


@pytest.mark.parametrize("df, expected", [(1, 12.7062), (2, 4.3027), (4, 2.7764), (10, 2.2281), (30, 2.0423),
                                          (1000, 1.9623)])
def test_t_quantile_matches_the_tables(df, expected):
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=1e-4)


def test_t_quantile_is_symmetric():
    assert t_quantile(0.025, 7) == pytest.approx(-t_quantile(0.975, 7))
    assert t_quantile(0.5, 3) == 0.0


def test_mean_ci_of_a_known_sample():
    mean, low, high = mean_ci([1.0, 2.0, 3.0, 4.0])
    half = 3.1824 * math.sqrt((5 / 3) / 4)
    assert mean == 2.5
    assert (low, high) == (pytest.approx(2.5 - half, abs=1e-3), pytest.approx(2.5 + half, abs=1e-3))


def test_one_value_has_a_mean_but_no_interval_and_missing_values_are_left_out():
    mean, low, high = mean_ci([2.0, float("nan"), None])
    assert mean == 2.0 and math.isnan(low) and math.isnan(high)


def test_summary_has_a_row_per_setting_and_metric():
    table = pd.DataFrame({"workers": [4, 4, 5, 5], "level": 0, "passed": [True, False, True, True],
                          "probe_latency": [1.0, 3.0, 0.5, 0.7], "trace_digest": list("abcd")})
    summary = summarize(table, ["workers", "level"])
    assert list(summary["metric"]) == ["probe_latency", "passed"] * 2
    four = summary[(summary["workers"] == 4) & (summary["metric"] == "probe_latency")].iloc[0]
    assert four["runs"] == 2 and four["mean"] == 2.0
    assert four["ci_low"] == pytest.approx(2.0 - 12.7062, abs=1e-3)
    assert summary[(summary["workers"] == 5) & (summary["metric"] == "passed")]["mean"].item() == 1.0


def test_the_95_percent_interval_covers_the_true_mean_about_95_percent_of_the_time():
    import random

    rng = random.Random(11)
    trials = 4000
    covered = 0
    for _ in range(trials):
        _, low, high = mean_ci([rng.gauss(10.0, 3.0) for _ in range(5)])
        covered += low <= 10.0 <= high
    assert 0.935 <= covered / trials <= 0.965
