"""Confidence intervals: Student t for means and paired differences, exact Clopper–Pearson for pass rates."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from chaosbench.sim.checks.intervals import mean_ci, paired_difference, proportion_ci, summarize


def test_mean_ci_of_a_known_sample_uses_the_t_quantile_of_the_tables():
    mean, low, high = mean_ci([1.0, 2.0, 3.0, 4.0])
    half = 3.1824 * math.sqrt((5 / 3) / 4)  # t(0.975, 3) = 3.1824
    assert mean == 2.5
    assert (low, high) == (pytest.approx(2.5 - half, abs=1e-3), pytest.approx(2.5 + half, abs=1e-3))


def test_one_value_has_a_mean_but_no_interval_and_missing_values_are_left_out():
    mean, low, high = mean_ci([2.0, float("nan"), None])
    assert mean == 2.0 and math.isnan(low) and math.isnan(high)


@pytest.mark.parametrize("passed, runs, low, high", [(4, 4, 0.3976, 1.0), (0, 4, 0.0, 0.6024), (2, 4, 0.0676, 0.9324),
                                                     (19, 20, 0.7513, 0.9987)])
def test_a_pass_rate_has_the_exact_clopper_pearson_interval(passed, runs, low, high):
    rate, found_low, found_high = proportion_ci(passed, runs)
    assert rate == passed / runs
    assert (found_low, found_high) == (pytest.approx(low, abs=1e-4), pytest.approx(high, abs=1e-4))


def test_four_passes_of_four_do_not_prove_a_scenario_always_passes():
    _, low, high = proportion_ci(4, 4)
    assert low < 0.6 and high == 1.0
    assert all(math.isnan(value) for value in proportion_ci(0, 0))


def test_summary_has_a_row_per_setting_and_metric_and_names_each_interval():
    table = pd.DataFrame({"workers": [4, 4, 5, 5], "level": 0, "passed": [True, False, True, True],
                          "probe_latency[wait p99]": [1.0, 3.0, 0.5, 0.7], "trace_digest": list("abcd")})
    summary = summarize(table, ["workers", "level"])
    assert list(summary["metric"]) == ["probe_latency[wait p99]", "passed"] * 2
    four = summary[(summary["workers"] == 4) & (summary["metric"] == "probe_latency[wait p99]")].iloc[0]
    assert four["runs"] == 2 and four["mean"] == 2.0 and four["interval"] == "student-t"
    assert four["ci_low"] == pytest.approx(2.0 - 12.7062, abs=1e-3)
    five = summary[(summary["workers"] == 5) & (summary["metric"] == "passed")].iloc[0]
    assert five["mean"] == 1.0 and five["interval"] == "clopper-pearson"
    assert five["ci_low"] == pytest.approx(0.1581, abs=1e-4) and five["ci_high"] == 1.0


def test_a_paired_difference_leaves_out_unmeasured_pairs_and_an_infinite_one_has_no_interval():
    found = paired_difference([(1.0, 2.0), (2.0, 4.0), (float("nan"), 5.0), (3.0, 6.0)])
    assert found.pairs == 3 and found.difference == 2.0 and found.before == 2.0 and found.after == 4.0
    assert found.low < 2.0 < found.high
    never = paired_difference([(10.0, math.inf), (12.0, 20.0)])
    assert never.difference == math.inf and math.isnan(never.low)
    both = paired_difference([(math.inf, math.inf), (1.0, 1.0)])
    assert both.pairs == 1 and both.difference == 0.0


def test_the_95_percent_interval_covers_the_true_mean_about_95_percent_of_the_time():
    import random

    rng = random.Random(11)
    trials = 4000
    covered = 0
    for _ in range(trials):
        _, low, high = mean_ci([rng.gauss(10.0, 3.0) for _ in range(5)])
        covered += low <= 10.0 <= high
    assert 0.935 <= covered / trials <= 0.965


def test_the_pass_rate_interval_covers_the_true_rate_at_least_95_percent_of_the_time():
    import random

    rng = random.Random(5)
    trials, covered = 2000, 0
    for _ in range(trials):
        passed = sum(rng.random() < 0.8 for _ in range(10))
        _, low, high = proportion_ci(passed, 10)
        covered += low <= 0.8 <= high
    assert covered / trials >= 0.95  # an exact interval is conservative
