"""Figures of one run, chosen to fit what it did: its queues, its latency, its event flow, its cascades, its refusals.

Each drawing function takes the run's tables and returns a matplotlib
``Figure``, or None when the data it needs is absent. Every time axis shades
the run's fault windows (instant faults as marked lines), and each figure
draws the bound of the probe it shows. :func:`figures_for` picks the figures
that fit a run: the task queue and latency for every run with tasks, the
event flow when the trigger mesh saw events, the policy cascades when any
happened, and refused or lost work when there was some.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from chaosbench.reports.loading import RunRecord
from chaosbench.reports.metrics import fault_windows, latencies
from chaosbench.reports.plotting import (
    MAX_POINTS,
    PRIORITIES,
    PRIORITY_COLOURS,
    draw_bound,
    floor_limits,
    plain_log_labels,
    seconds,
    shade_faults,
    thin,
)
from chaosbench.sim.run.record import ProbeResult

#: Router counts per simulated second and how the event figure names them.
EVENT_SERIES = {"received": "received", "triggered": "routed to workflows", "rate_limited": "rate-limited",
                "deduplicated": "deduplicated", "filtered": "filtered out"}
#: Task outcomes that mean refused or lost work, and their colours.
LOST_OUTCOMES = {"denied": "#8e44ad", "rejected": "#7f8c8d", "shed": "#e67e22", "expired": "#f1c40f",
                 "failed": "#c0392b", "dead_lettered": "#641e16"}


def queue_depth(series: pd.DataFrame | None, faults: pd.DataFrame | None = None, title: str = "",
                probes: tuple[ProbeResult, ...] = ()) -> Figure | None:
    """Queue depth per priority over simulated time, fault windows shaded; a ``max_queue_depth`` probe's bound
    as a line, and a ``recovery_time`` probe's as the moment the queue had to be settled by."""
    if series is None or series.empty:
        return None
    figure = Figure(figsize=(9, 3.4))
    axes = figure.subplots()
    thinned = thin(series)
    for priority in PRIORITIES:
        column = f"depth_{priority}"
        if column in thinned and thinned[column].any():
            axes.step(thinned["time"], thinned[column], where="post", label=priority,
                      color=PRIORITY_COLOURS[priority], linewidth=1.1)
    end = float(series["time"].max())
    shade_faults(axes, faults, end)
    tops = [float(series[column].max()) for column in series if column.startswith("depth_")]
    for probe in probes:
        if probe.kind == "max_queue_depth":
            draw_bound(axes, probe)
            tops.append(probe.bound.value)
        elif probe.kind == "recovery_time" and faults is not None and not faults.empty:
            last = max(stop for _, _, stop in fault_windows(faults, end))
            axes.axvline(last + probe.bound.value, color="#1b2631", linestyle=":", linewidth=1.4,
                         label=f"settled by ({probe.id} {probe.bound})")
    axes.set_xlabel("simulated time (s)")
    axes.set_ylabel("tasks queued")
    axes.set_xlim(0, max(end, 1.0))
    floor_limits(axes, tops)
    axes.set_title(title or "Queue depth per priority")
    if axes.get_legend_handles_labels()[0]:
        axes.legend(loc="upper right", fontsize="small", ncols=2)
    axes.grid(alpha=0.3)
    return figure


def latency_distribution(tasks: pd.DataFrame | None, title: str = "", measure: str = "end_to_end",
                         probe: ProbeResult | None = None) -> Figure | None:
    """Distribution (empirical CDF) of completed tasks' latency per priority on a log time axis, for ``measure``
    (``wait`` or ``end_to_end``); a ``latency`` probe's bound drawn where its quantile must stay."""
    if tasks is None or tasks.empty:
        return None
    frame = latencies(tasks)
    if frame.empty:
        return None
    figure = Figure(figsize=(9, 3.4))
    axes = figure.subplots()
    floor = 1e-3
    probed = probe.params.get("priority") if probe is not None else None
    largest = floor
    for priority in PRIORITIES:
        values = np.sort(frame.loc[frame["priority"] == priority, measure].to_numpy())
        if not len(values):
            continue
        count, p99 = len(values), float(np.quantile(values, 0.99))
        largest = max(largest, float(values[-1]))
        share = np.arange(1, count + 1) / count
        if count > MAX_POINTS:  # the curve through evenly spaced quantiles looks the same
            share = np.linspace(1 / MAX_POINTS, 1.0, MAX_POINTS)
            values = np.quantile(values, share)
        faint = probed is not None and priority != probed
        axes.step(np.maximum(values, floor), share, where="post", color=PRIORITY_COLOURS[priority],
                  alpha=0.35 if faint else 1.0, linewidth=1.0 if faint else 1.6,
                  label=f"{priority} (n={count:,}, p99 {seconds(p99)})")
    if probe is not None:
        quantile = float(probe.params.get("quantile", 0.99))
        draw_bound(axes, probe, vertical=True)
        axes.axhline(quantile, color="#1b2631", linestyle=":", linewidth=0.8)
        largest = max(largest, probe.bound.value)
    axes.set_xscale("log")
    plain_log_labels(axes.xaxis)
    axes.set_xlim(floor * 0.8, max(largest * 1.5, floor * 10))
    axes.set_xlabel(f"{measure.replace('_', '-')} latency (s, log scale)")
    axes.set_ylabel("share of completed tasks")
    axes.set_ylim(0, 1.02)
    axes.set_title(title or "Latency distribution per priority")
    axes.legend(loc="lower right", fontsize="small")
    axes.grid(alpha=0.3, which="both")
    return figure


def event_flow(events: pd.DataFrame | None, workflows: pd.DataFrame | None, dead_letters: pd.DataFrame | None,
               faults: pd.DataFrame | None = None, title: str = "", end: float | None = None) -> Figure | None:
    """The trigger mesh over simulated time: events received, routed, rate-limited, deduplicated and filtered per
    second, dead letters, fault windows shaded; beside it, the latency of completed workflow runs."""
    if events is None or events.empty or not events["received"].any():
        return None
    figure = Figure(figsize=(11, 3.6))
    flow, latency = figure.subplots(1, 2, width_ratios=(2.2, 1))
    thinned = thin(events)
    for column, label in EVENT_SERIES.items():
        if column in thinned and thinned[column].any():
            flow.step(thinned["second"], thinned[column], where="post", label=label, linewidth=1.1)
    if dead_letters is not None and not dead_letters.empty:
        per_second = dead_letters.groupby(np.floor(dead_letters["time"]).astype(int)).size()
        flow.step(per_second.index, per_second.to_numpy(), where="post", label="dead-lettered", color="#641e16")
    last = float(end if end is not None else events["second"].max())
    shade_faults(flow, faults, last)
    flow.set_yscale("symlog", linthresh=10)
    plain_log_labels(flow.yaxis)
    flow.set_xlim(0, max(last, 1.0))
    flow.set_ylim(bottom=0)
    flow.set_xlabel("simulated time (s)")
    flow.set_ylabel("per second (symlog)")
    flow.set_title(title or "Event flow through the trigger mesh")
    flow.legend(loc="upper right", fontsize="x-small", ncols=2)
    flow.grid(alpha=0.3)
    done = workflows[workflows["outcome"] == "completed"] if workflows is not None and not workflows.empty else None
    if done is not None and not done.empty:
        values = np.sort(np.maximum(done["latency"].to_numpy(dtype=float), 1e-3))
        latency.step(values, np.arange(1, len(values) + 1) / len(values), where="post", color="#2e86c1",
                     label=f"n={len(values):,}, p99 {seconds(float(np.quantile(values, 0.99)))}")
        latency.set_xscale("log")
        plain_log_labels(latency.xaxis)
        latency.legend(loc="lower right", fontsize="x-small")
    else:
        latency.text(0.5, 0.5, "no workflow run completed", ha="center", va="center", transform=latency.transAxes)
    latency.set_ylim(0, 1.02)
    latency.set_xlabel("workflow latency (s, log scale)")
    latency.set_ylabel("share of completed runs")
    latency.set_title("Workflow latency")
    latency.grid(alpha=0.3, which="both")
    return figure


def policy_cascades(cascades: pd.DataFrame | None, faults: pd.DataFrame | None = None, title: str = "",
                    probe: ProbeResult | None = None, end: float = 0.0) -> Figure | None:
    """Each policy rule a cascade triggered, at its time and depth in the chain; the depth bound as a line."""
    if cascades is None or cascades.empty:
        return None
    figure = Figure(figsize=(9, 3.2))
    axes = figure.subplots()
    axes.scatter(cascades["time"], cascades["depth"], s=18, color="#8e44ad", label="rule fired in a cascade")
    last = max(end, float(cascades["time"].max()))
    shade_faults(axes, faults, last)
    tops = [float(cascades["depth"].max())]
    if probe is not None:
        draw_bound(axes, probe)
        tops.append(probe.bound.value)
    axes.set_xlim(0, max(last, 1.0))
    floor_limits(axes, tops)
    axes.set_xlabel("simulated time (s)")
    axes.set_ylabel("depth in the cascade")
    axes.set_title(title or "Policy cascades")
    axes.legend(loc="upper right", fontsize="small")
    axes.grid(alpha=0.3)
    return figure


def refused_work(tasks: pd.DataFrame | None, faults: pd.DataFrame | None = None, title: str = "",
                 end: float = 0.0) -> Figure | None:
    """Tasks the stack refused or lost (denied, rejected, shed, expired, failed, dead-lettered) per ten seconds
    of their arrival, fault windows shaded."""
    if tasks is None or tasks.empty:
        return None
    lost = tasks[tasks["outcome"].isin(list(LOST_OUTCOMES))]
    if lost.empty:
        return None
    figure = Figure(figsize=(9, 3.2))
    axes = figure.subplots()
    buckets = (lost["enqueued_at"] // 10 * 10).astype(float)
    counts = pd.crosstab(buckets, lost["outcome"])
    bottom = np.zeros(len(counts))
    for outcome, colour in LOST_OUTCOMES.items():
        if outcome in counts:
            axes.bar(counts.index, counts[outcome], width=10, align="edge", bottom=bottom, color=colour,
                     label=outcome)
            bottom += counts[outcome].to_numpy()
    last = max(end, float(tasks["enqueued_at"].max()))
    shade_faults(axes, faults, last)
    axes.set_xlim(0, max(last, 1.0))
    axes.set_xlabel("simulated time of arrival (s)")
    axes.set_ylabel("tasks per 10 s")
    axes.set_title(title or "Refused or lost work")
    axes.legend(loc="upper right", fontsize="small", ncols=2)
    axes.grid(alpha=0.3)
    return figure


def figures_for(run: RunRecord) -> dict[str, Figure]:
    """The figures that fit ``run``, by title, each left out when the run has nothing for it."""
    probes = tuple(run.journal.probes)
    faults, end = run.table("faults"), run.journal.sim_time
    latency = next((probe for probe in probes if probe.kind == "latency"), None)
    measure = str(latency.params.get("measure", "end_to_end")) if latency is not None else "end_to_end"
    cascade_bound = next((probe for probe in probes if probe.kind == "cascade_depth_max"), None)
    tasks = run.table("tasks")
    drawn = {
        "Queue depth": queue_depth(run.table("timeseries"), faults, f"Queue depth per priority: {run.label}",
                                   probes),
        "Latency": latency_distribution(tasks, f"{measure.replace('_', '-')} latency per priority: {run.label}",
                                        measure, latency),
        "Event flow": event_flow(run.table("events"), run.table("workflows"), run.table("dead_letters"), faults,
                                 f"Event flow through the trigger mesh: {run.label}", end),
        "Policy cascades": policy_cascades(run.table("cascades"), faults, f"Policy cascades: {run.label}",
                                           cascade_bound, end),
        "Refused or lost work": refused_work(tasks, faults, f"Refused or lost work: {run.label}", end),
    }
    return {title: figure for title, figure in drawn.items() if figure is not None}
