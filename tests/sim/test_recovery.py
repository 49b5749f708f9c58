"""Recovery time after faults, from the sampled queue depth."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from chaosbench.sim.checks.measures import recovery_time, settle_threshold


def _series(depths: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"time": [float(t) for t in range(len(depths))], "depth_total": depths})


def test_recovery_is_the_time_from_the_last_fault_end_to_the_pre_fault_range():
    depths = [2, 3, 2, 4, 3] + [50, 80, 60, 30, 10, 4, 3]
    faults = pd.DataFrame({"start": [5.0], "end": [7.0]})
    assert settle_threshold(_series(depths), 0.0, 5.0) == pytest.approx(3.8)  # 95th percentile of 2,3,2,4,3
    assert recovery_time(_series(depths), faults, warmup=0.0) == 4.0  # depth 3 at t=11; 4 at t=10 is too high


def test_a_stack_that_never_settles_has_infinite_recovery_time():
    faults = pd.DataFrame({"start": [2.0], "end": [3.0]})
    assert math.isinf(recovery_time(_series([1, 1, 9, 9, 9, 9]), faults, warmup=0.0))


def test_without_faults_recovery_is_immediate():
    assert recovery_time(_series([5, 5]), pd.DataFrame({"start": [], "end": []}), warmup=0.0) == 0.0


def test_the_last_of_overlapping_faults_counts():
    depths = [1] * 5 + [20] * 10 + [1] * 5
    faults = pd.DataFrame({"start": [5.0, 8.0], "end": [9.0, 14.0]})
    assert recovery_time(_series(depths), faults, warmup=0.0) == 1.0
