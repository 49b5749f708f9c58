"""Recovery after faults: how long the stack takes to settle once the last fault has ended.

The stack has settled when the total queue depth is back within its
pre-fault range: at or below the 95th percentile of the depth sampled
between the warm-up and the first fault (and at least 1 task). The recovery
time is the time from the end of the last fault to the first sample where
that holds; infinity when it never does within the run.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd


def settle_threshold(timeseries: pd.DataFrame, warmup: float, first_fault: float) -> float:
    """The depth the queue must come back to: its pre-fault 95th percentile, at least 1."""
    before = timeseries[(timeseries["time"] < first_fault) & (timeseries["time"] >= min(warmup, first_fault))]
    if before.empty:
        return 1.0
    return max(1.0, float(np.quantile(before["depth_total"], 0.95)))


def recovery_time(timeseries: pd.DataFrame, faults: pd.DataFrame, warmup: float) -> float:
    """Seconds from the end of the last fault until the queue is back to its pre-fault range."""
    if faults is None or faults.empty or timeseries.empty:
        return 0.0
    threshold = settle_threshold(timeseries, warmup, float(faults["start"].min()))
    last_end = float(faults["end"].max())
    after = timeseries[(timeseries["time"] >= last_end) & (timeseries["depth_total"] <= threshold)]
    return float(after["time"].iloc[0] - last_end) if not after.empty else math.inf
