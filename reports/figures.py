"""Figures of results, drawn with matplotlib's Agg renderer: every figure ``chaosbench.figures`` offers.

Each function takes DataFrames (from :mod:`reports.loading`) and returns a
:class:`matplotlib.figure.Figure`, or None when the data it needs is absent,
so a report leaves that figure out. Figures are built without pyplot, so
drawing them changes no global state; :func:`to_png` renders one. This
module holds the figures over many runs; those of one run are in
:mod:`reports.run_figures`, those of a sweep in :mod:`reports.sweep_figures`
and the history in :mod:`reports.trend`, all offered here too.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from chaosbench.reports.plotting import BOUND_COLOUR, label_grid, palette, to_png
from chaosbench.reports.run_figures import (
    event_flow,
    figures_for,
    latency_distribution,
    policy_cascades,
    queue_depth,
    refused_work,
)
from chaosbench.reports.sweep_figures import probe_trends
from chaosbench.reports.trend import history

__all__ = ["event_flow", "figures_for", "history", "ladder", "latency_distribution", "policy_cascades",
           "probe_trends", "queue_depth", "recovery_times", "refused_work", "safeguards", "sla_compliance",
           "sweep_heatmap", "to_png"]


def sla_compliance(checked: pd.DataFrame) -> Figure | None:
    """Heat map of the SLA compliance each scenario checks, per scenario (rows) and level (columns).

    ``checked`` has one row per run: ``scenario``, ``level``, ``probe`` (the id of the ``sla_compliance`` probe
    shown, or a note that the scenario has none), ``value`` and ``passed``, as
    :func:`reports.content.checked_sla` gives it; a :func:`reports.loading.load_runs` frame shows the compliance
    of all priorities. Each row is labelled with what it shows, each cell with its mean value and the runs that
    passed.
    """
    if checked.empty:
        return None
    if "probe" not in checked:
        checked = checked.assign(probe="all priorities", value=checked["sla_compliance"])
    grouped = checked.groupby(["scenario", "level"]).agg(
        compliance=("value", "mean"), passed=("passed", "sum"), total=("passed", "size"))
    scenarios = sorted(checked["scenario"].unique())
    shown = checked.groupby("scenario")["probe"].first()
    levels = sorted(checked["level"].unique())
    grid = np.full((len(scenarios), len(levels)), np.nan)
    figure = Figure(figsize=(max(5.5, 1.1 * len(levels) + 5), 0.46 * len(scenarios) + 1.6))
    axes = figure.subplots()
    for (scenario, level), row in grouped.iterrows():
        i, j = scenarios.index(scenario), levels.index(level)
        grid[i, j] = row["compliance"]
        value = "n/a" if math.isnan(row["compliance"]) else f"{row['compliance']:.3f}"
        axes.text(j, i, f"{value}\n{int(row['passed'])}/{int(row['total'])} passed", ha="center",
                  va="center", fontsize="x-small", bbox={"facecolor": "white", "alpha": 0.75, "linewidth": 0})
    image = axes.imshow(np.ma.masked_invalid(grid), cmap="RdYlGn", vmin=0.0, vmax=1.0, aspect="auto")
    figure.colorbar(image, ax=axes, label="SLA compliance")
    label_grid(axes, [f"{scenario}  {shown[scenario]}" for scenario in scenarios],
               [f"level {level}" for level in levels])
    axes.set_title("SLA compliance each scenario checks (its sla_compliance probe)")
    return figure


def recovery_times(runs: pd.DataFrame, bounds: Mapping[str, float] | None = None) -> Figure | None:
    """Recovery time per scenario and level (mean over seeds) for runs that had faults, with each scenario's
    ``recovery_time`` bound (``bounds``: scenario -> seconds) marked on its bar.

    A run whose queue never settled is drawn as a hatched bar to the end of its run. When every recovery
    was instant, the axis still spans the bounds (or one second).
    """
    faulted = runs[runs["recovery_time_s"].notna() | (runs["faults"] > 0)]
    if faulted.empty:
        return None
    bounds = bounds or {}
    rows = []
    for (scenario, level), group in faulted.groupby(["scenario", "level"]):
        settled = group["recovery_time_s"][np.isfinite(group["recovery_time_s"])]
        rows.append((str(scenario), int(level), float(settled.mean()) if len(settled) else float("nan"),
                     len(group) - len(settled), float(group["sim_time"].max())))
    figure = Figure(figsize=(9, 0.38 * len(rows) + 1.4))
    axes = figure.subplots()
    reach = [1.0]
    labelled = False
    for index, (scenario, _level, mean, unsettled, end) in enumerate(rows):
        if math.isnan(mean):
            axes.barh(index, end, color="white", edgecolor="#c0392b", hatch="//")
            axes.text(end, index, "  never settled", va="center", fontsize="x-small", color="#c0392b")
            reach.append(end)
        else:
            axes.barh(index, mean, color="#2e86c1")
            note = f"  {mean:.1f} s" + (f" ({unsettled} run(s) never settled)" if unsettled else "")
            axes.text(mean, index, note, va="center", fontsize="x-small")
            reach.append(mean)
        if scenario in bounds:
            axes.plot([bounds[scenario]] * 2, [index - 0.4, index + 0.4], color=BOUND_COLOUR, linewidth=2,
                      label=None if labelled else "bound (recovery_time max)")
            labelled = True
            reach.append(bounds[scenario])
    axes.set_yticks(range(len(rows)), [f"{scenario} L{level}" for scenario, level, *_ in rows], fontsize="small")
    axes.invert_yaxis()
    axes.set_xlim(0, max(reach) * 1.25)
    axes.set_xlabel("seconds from the last fault's end until the queue settled")
    axes.set_title("Recovery time")
    if labelled:
        axes.legend(loc="lower right", fontsize="x-small")
    axes.grid(alpha=0.3, axis="x")
    return figure


def ladder(memory_runs: pd.DataFrame | None) -> Figure | None:
    """The difficulty ladder: each scenario's level over the loop's rounds, passes and failures marked."""
    needed = {"round", "scenario", "level", "passed"}
    if memory_runs is None or memory_runs.empty or not needed <= set(memory_runs.columns):
        return None
    frame = memory_runs.dropna(subset=["round"]).sort_values(["scenario", "round"])
    if frame.empty:
        return None
    figure = Figure(figsize=(9, 3.8))
    axes = figure.subplots()
    colours = palette(len(frame["scenario"].unique()))
    for colour, (scenario, group) in zip(colours, frame.groupby("scenario", sort=True), strict=True):
        top = group.groupby("round")["level"].max()
        axes.step(top.index, top.to_numpy(), where="post", color=colour, label=scenario, linewidth=1.2)
        passed = group["passed"].astype(bool)
        axes.scatter(group.loc[passed, "round"], group.loc[passed, "level"], color=colour, marker="o", s=14)
        axes.scatter(group.loc[~passed, "round"], group.loc[~passed, "level"], color=colour, marker="x", s=30)
    axes.set_xlabel("round of the chaos loop")
    axes.set_ylabel("difficulty level")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title("Difficulty ladder (o passed, x failed)")
    axes.legend(loc="upper left", fontsize="x-small", ncols=2)
    axes.grid(alpha=0.3)
    return figure


def safeguards(records_frame: pd.DataFrame) -> Figure | None:
    """Heat map of safeguard firings per scenario (summed over runs); expected ones that never fired are marked.

    ``records_frame`` has one row per (scenario, safeguard) with ``fired`` (int) and ``expected`` (bool).
    """
    if records_frame.empty:
        return None
    scenarios = sorted(records_frame["scenario"].unique())
    names = sorted(records_frame["safeguard"].unique())
    grid = np.zeros((len(scenarios), len(names)))
    figure = Figure(figsize=(max(5.0, 0.65 * len(names) + 3.5), 0.42 * len(scenarios) + 2.2))
    axes = figure.subplots()
    for row in records_frame.itertuples(index=False):
        i, j = scenarios.index(row.scenario), names.index(row.safeguard)
        grid[i, j] = row.fired
        if row.fired:
            axes.text(j, i, f"{row.fired:,}", ha="center", va="center", fontsize="xx-small")
        elif row.expected:
            axes.text(j, i, "missing", ha="center", va="center", fontsize="xx-small", color="#c0392b",
                      fontweight="bold")
    masked = np.ma.masked_where(grid <= 0, grid)
    image = axes.imshow(masked, cmap="Blues", norm=LogNorm(vmin=1, vmax=max(1.0, grid.max()) + 1), aspect="auto")
    figure.colorbar(image, ax=axes, label="firings (log scale)")
    label_grid(axes, scenarios, names)
    axes.tick_params(axis="x", labelrotation=45)
    axes.set_title("Safeguards fired (red: expected but never fired)")
    return figure


def sweep_heatmap(frame: pd.DataFrame, x: str, y: str, scenario: str) -> Figure | None:
    """Heat map of the pass rate over two columns ``x`` and ``y`` of ``frame`` (one row per run, with ``passed``)."""
    if frame.empty or frame[x].nunique() < 2 or frame[y].nunique() < 2:
        return None
    table = frame.pivot_table(index=y, columns=x, values="passed", aggfunc="mean")
    counts = frame.pivot_table(index=y, columns=x, values="passed", aggfunc="size")
    figure = Figure(figsize=(max(4.5, 0.9 * table.shape[1] + 3), 0.5 * table.shape[0] + 2))
    axes = figure.subplots()
    image = axes.imshow(table.to_numpy(dtype=float), cmap="RdYlGn", vmin=0, vmax=1, aspect="auto", origin="lower")
    for i in range(table.shape[0]):
        for j in range(table.shape[1]):
            value = table.iat[i, j]
            if not pd.isna(value):
                axes.text(j, i, f"{value:.0%}\nn={int(counts.iat[i, j])}", ha="center", va="center",
                          fontsize="x-small", bbox={"facecolor": "white", "alpha": 0.75, "linewidth": 0})
    figure.colorbar(image, ax=axes, label="share of runs passed")
    label_grid(axes, [f"{v:g}" if isinstance(v, float) else str(v) for v in table.index],
                [f"{v:g}" if isinstance(v, float) else str(v) for v in table.columns])
    axes.set_xlabel(x)
    axes.set_ylabel(y)
    axes.set_title(f"Sweep of {scenario}: pass rate")
    return figure
