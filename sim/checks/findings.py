"""Findings: what a run teaches beyond pass and fail.

* an expected safeguard that never fired;
* a fault with no observable effect (a scenario whose fault never lands proves nothing);
* a stack that did not settle after its faults;
* for each failed probe or broken invariant, the likely cause (the kernel
  failure analyzer of the layer-2 hardening, design document 002): the fault
  windows that preceded it and the components whose metrics left their
  pre-fault baseline first.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

#: Timeseries columns and the component each one speaks for.
COMPONENT_METRICS = {
    "depth_total": "htm queue",
    "workers_alive": "worker pool",
    "completion_rate": "dispatcher",
    "stress_level": "health",
    "throttled": "throttle",
}
#: Per-second router columns (events table) and the component each one speaks for.
MESH_METRICS = {"rate_limited": "router rate limiter", "deduplicated": "router dedup", "triggered": "workflow engine"}


def fault_findings(faults: pd.DataFrame | None) -> list[str]:
    """One finding per fault whose observed effect was zero."""
    if faults is None or faults.empty:
        return []
    quiet = faults[faults["effect_size"] <= 0]
    return [f"fault {row.index} ({row.kind} at {row.start:g}s) had no observable effect: {row.effect}"
            for row in quiet.itertuples()]


def departures(series: pd.DataFrame, columns: dict[str, str], baseline_end: float, after: float,
               time_column: str = "time") -> list[tuple[float, str, str]]:
    """``(time, column, component)`` of each metric's first sample outside its pre-fault range.

    The range is the mean ± 3 standard deviations (at least ± 1) of the samples
    before ``baseline_end``; only samples from ``after`` on are looked at.
    """
    found = []
    before = series[series[time_column] < baseline_end]
    later = series[series[time_column] >= after]
    for column, component in columns.items():
        if column not in series or before.empty or later.empty:
            continue
        values = before[column].astype(float)
        spread = max(3 * float(values.std(ddof=0)), 1.0)
        centre = float(values.mean())
        outside = later[np.abs(later[column].astype(float) - centre) > spread]
        if not outside.empty:
            found.append((float(outside[time_column].iloc[0]), column, component))
    return sorted(found)


def failure_analysis(failed_probes: list[str], broken_invariants: list[str],
                     tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """One finding per failed probe or broken invariant (given by name), naming the likely cause."""
    failed = [f"probe {name}" for name in failed_probes] + [f"invariant {name}" for name in broken_invariants]
    if not failed:
        return []
    faults = tables.get("faults")
    if faults is None or faults.empty:
        return [f"{what} failed with no fault injected: the steady state itself does not hold" for what in failed]
    first = float(faults["start"].min())
    windows = ", ".join(f"{row.kind} {row.start:g}-{row.end:g}s" for row in faults.sort_values("start").itertuples())
    moved = departures(tables.get("timeseries", pd.DataFrame()), COMPONENT_METRICS, first, first)
    events = tables.get("events")
    if events is not None and not events.empty:
        moved = sorted(moved + departures(events, MESH_METRICS, first, first, time_column="second"))
    if moved:
        leaders = "; ".join(f"{component} ({column}) at {time:g}s" for time, column, component in moved[:3])
        cause = f"first to leave their baseline: {leaders}"
    else:
        cause = "no component metric left its baseline"
    return [f"{what} failed after faults [{windows}]; {cause}" for what in failed]


def findings(failed_probes: list[str], broken_invariants: list[str], missing_safeguards: list[str],
             tables: Mapping[str, pd.DataFrame], settle: float, recovery: float) -> list[str]:
    """Every finding of a run, in a stable order."""
    found = [f"expected safeguard {name} never fired" for name in missing_safeguards]
    found += fault_findings(tables.get("faults"))
    if math.isinf(recovery) or recovery > settle:
        shown = "never" if math.isinf(recovery) else f"after {recovery:g}s"
        found.append(f"the stack settled {shown} after the last fault (settle time {settle:g}s)")
    found += failure_analysis(failed_probes, broken_invariants, tables)
    return found
