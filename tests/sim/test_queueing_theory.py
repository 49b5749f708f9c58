"""The plain task manager agrees with the Erlang C formula for M/M/c."""
from __future__ import annotations

import math
import statistics

import pytest
from scipy import stats

from chaosbench.sim.checks.theory import erlang_c, mmc_mean_wait
from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.scenario.model import Scenario

SERVERS, ARRIVAL_RATE, SERVICE_RATE = 4, 3.2, 1.0
#: The test's confidence, for both estimates together: each interval is drawn at 1 - (1 - 0.95) / 2 (Bonferroni),
#: so that a correct model fails it with at most a 5% chance over the choice of seeds.
CONFIDENCE = 0.95
ESTIMATES = 2
#: How close to the formula the intervals must pin each estimate: half their width at most this share of the
#: expected value. The runs are sized for it: 8 seeds of 12,000 measured seconds give about 5% on the mean wait
#: (its spread falls as one over the root of the seconds measured), and about 1% on the probability of waiting.
PRECISION = 0.06
WARMUP, DURATION = 1000.0, 13000.0
SEEDS = range(1, 9)


def _mmc(safeguards: str) -> Scenario:
    return Scenario.model_validate({
        "name": "mmc",
        "duration": DURATION,
        "warmup": WARMUP,
        "stack": {"safeguards": safeguards, "htm": {"workers": SERVERS}},
        "workload": [{"tasks": {"rate": ARRIVAL_RATE, "service": {"exponential": 1 / SERVICE_RATE}}}],
    })


def _per_seed_estimates(scenario: Scenario) -> tuple[list[float], list[float]]:
    mean_waits, wait_probabilities = [], []
    for seed in SEEDS:
        tasks = run_scenario(scenario, seed=seed).tables["tasks"]
        measured = tasks[(tasks["enqueued_at"] >= WARMUP) & tasks["started_at"].notna()]
        wait = measured["started_at"] - measured["enqueued_at"]
        mean_waits.append(float(wait.mean()))
        wait_probabilities.append(float((wait > 0).mean()))
    return mean_waits, wait_probabilities


def _confidence_interval(samples: list[float]) -> tuple[float, float]:
    mean = statistics.fmean(samples)
    quantile = 1 - (1 - CONFIDENCE) / ESTIMATES / 2  # two-sided
    half = float(stats.t.ppf(quantile, len(samples) - 1)) * statistics.stdev(samples) / math.sqrt(len(samples))
    return mean - half, mean + half


def check_against_erlang_c(scenario: Scenario) -> None:
    mean_waits, wait_probabilities = _per_seed_estimates(scenario)
    expected_wait = mmc_mean_wait(SERVERS, ARRIVAL_RATE, SERVICE_RATE)
    expected_probability = erlang_c(SERVERS, ARRIVAL_RATE / SERVICE_RATE)
    low, high = _confidence_interval(mean_waits)
    assert low <= expected_wait <= high, f"Wq={expected_wait:.4f} outside [{low:.4f}, {high:.4f}]"
    assert high - low <= 2 * PRECISION * expected_wait, f"the runs pin Wq only to [{low:.4f}, {high:.4f}]"
    low, high = _confidence_interval(wait_probabilities)
    assert low <= expected_probability <= high, f"P(wait)={expected_probability:.4f} outside [{low:.4f}, {high:.4f}]"
    assert high - low <= 2 * PRECISION * expected_probability, f"the runs pin P(wait) only to [{low:.4f}, {high:.4f}]"


def test_erlang_c_reference_values():
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: P(wait) = rho
    assert mmc_mean_wait(1, 0.5, 1.0) == pytest.approx(1.0)  # M/M/1: Wq = rho / (mu - lambda)
    assert erlang_c(4, 3.2) == pytest.approx(0.596432, abs=1e-6)


@pytest.mark.slow
def test_mmc_mean_wait_and_wait_probability_match_erlang_c():
    check_against_erlang_c(_mmc("off"))
