"""Figures of results, drawn with matplotlib's Agg renderer.

Each function takes DataFrames (from :mod:`reports.loading`) and returns a
:class:`matplotlib.figure.Figure`, or None when the data it needs is absent,
so a report leaves that figure out. Figures are built without pyplot, so
drawing them changes no global state; :func:`to_png` renders one.
"""
from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from chaosbench.reports.metrics import fault_windows, latencies

PRIORITIES = ("critical", "high", "normal", "low")
PRIORITY_COLOURS = {"critical": "#c0392b", "high": "#e67e22", "normal": "#2e86c1", "low": "#7f8c8d"}
_FAULT_COLOURS = ("#f5b7b1", "#d7bde2", "#a9cce3", "#a3e4d7", "#f9e79f", "#edbb99")
#: Line plots of longer series are thinned to about this many points, keeping each stretch's maximum.
_MAX_POINTS = 4000


def to_png(figure: Figure, dpi: int = 96) -> bytes:
    """The figure as PNG bytes."""
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def queue_depth(series: pd.DataFrame, faults: pd.DataFrame | None = None, title: str = "") -> Figure | None:
    """Queue depth per priority over simulated time, with each fault's window shaded."""
    if series is None or series.empty:
        return None
    figure = Figure(figsize=(9, 3.4))
    axes = figure.subplots()
    thinned = _thin(series)
    for priority in PRIORITIES:
        column = f"depth_{priority}"
        if column in thinned and thinned[column].any():
            axes.step(thinned["time"], thinned[column], where="post", label=priority,
                      color=PRIORITY_COLOURS[priority], linewidth=1.1)
    end = float(series["time"].max())
    shaded: dict[str, str] = {}
    for kind, start, stop in fault_windows(faults, end):
        first = kind not in shaded
        colour = shaded.setdefault(kind, _FAULT_COLOURS[len(shaded) % len(_FAULT_COLOURS)])
        # A window too short to see at this scale is widened to 1/500 of the run.
        axes.axvspan(start, max(stop, start + end / 500), color=colour, alpha=0.5, linewidth=0,
                     label=f"fault: {kind}" if first else None)
    axes.set_xlabel("simulated time (s)")
    axes.set_ylabel("tasks queued")
    axes.set_xlim(0, max(end, 1.0))
    axes.set_ylim(bottom=0)
    axes.set_title(title or "Queue depth per priority")
    if axes.get_legend_handles_labels()[0]:
        axes.legend(loc="upper right", fontsize="small", ncols=2)
    axes.grid(alpha=0.3)
    return figure


def _thin(series: pd.DataFrame) -> pd.DataFrame:
    if len(series) <= _MAX_POINTS:
        return series
    groups = np.arange(len(series)) * _MAX_POINTS // len(series)
    return series.groupby(groups).max()


def latency_distribution(tasks: pd.DataFrame, title: str = "", measure: str = "end_to_end") -> Figure | None:
    """Distribution (empirical CDF) of completed tasks' latency per priority, on a log time axis."""
    if tasks is None or tasks.empty:
        return None
    frame = latencies(tasks)
    if frame.empty:
        return None
    figure = Figure(figsize=(9, 3.4))
    axes = figure.subplots()
    floor = 1e-3
    for priority in PRIORITIES:
        values = np.sort(frame.loc[frame["priority"] == priority, measure].to_numpy())
        if not len(values):
            continue
        count, p99 = len(values), float(np.quantile(values, 0.99))
        share = np.arange(1, count + 1) / count
        if count > _MAX_POINTS:  # the curve through evenly spaced quantiles looks the same
            share = np.linspace(1 / _MAX_POINTS, 1.0, _MAX_POINTS)
            values = np.quantile(values, share)
        axes.step(np.maximum(values, floor), share, where="post", color=PRIORITY_COLOURS[priority],
                  label=f"{priority} (n={count:,}, p99 {_seconds(p99)})")
    axes.set_xscale("log")
    axes.set_xlabel(f"{measure.replace('_', '-')} latency (s, log scale)")
    axes.set_ylabel("share of completed tasks")
    axes.set_ylim(0, 1.02)
    axes.set_title(title or "Latency distribution per priority")
    axes.legend(loc="lower right", fontsize="small")
    axes.grid(alpha=0.3, which="both")
    return figure


def _seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.3g} s"


def sla_compliance(runs: pd.DataFrame) -> Figure | None:
    """Heat map of mean SLA compliance per scenario (rows) and level (columns), with passed/total runs."""
    if runs.empty:
        return None
    grouped = runs.groupby(["scenario", "level"]).agg(
        compliance=("sla_compliance", "mean"), passed=("passed", "sum"), total=("passed", "size"))
    scenarios = sorted(runs["scenario"].unique())
    levels = sorted(runs["level"].unique())
    grid = np.full((len(scenarios), len(levels)), np.nan)
    figure = Figure(figsize=(max(4.5, 1.1 * len(levels) + 3.5), 0.42 * len(scenarios) + 1.6))
    axes = figure.subplots()
    for (scenario, level), row in grouped.iterrows():
        i, j = scenarios.index(scenario), levels.index(level)
        grid[i, j] = row["compliance"]
        value = "n/a" if math.isnan(row["compliance"]) else f"{row['compliance']:.3f}"
        axes.text(j, i, f"{value}\n{int(row['passed'])}/{int(row['total'])} passed", ha="center",
                  va="center", fontsize="x-small", bbox={"facecolor": "white", "alpha": 0.75, "linewidth": 0})
    image = axes.imshow(np.ma.masked_invalid(grid), cmap="RdYlGn", vmin=0.0, vmax=1.0, aspect="auto")
    figure.colorbar(image, ax=axes, label="SLA compliance")
    _label_grid(axes, scenarios, [f"level {level}" for level in levels])
    axes.set_title("SLA compliance per scenario and level")
    return figure


def _label_grid(axes: Axes, rows: list[str], columns: list[str]) -> None:
    axes.set_yticks(range(len(rows)), rows, fontsize="small")
    axes.set_xticks(range(len(columns)), columns, fontsize="small")


def recovery_times(runs: pd.DataFrame) -> Figure | None:
    """Recovery time per scenario and level (mean over seeds) for runs that had faults.

    A run whose queue never settled is drawn as a hatched bar to the end of its run.
    """
    faulted = runs[runs["recovery_time_s"].notna() | (runs["faults"] > 0)]
    if faulted.empty:
        return None
    rows = []
    for (scenario, level), group in faulted.groupby(["scenario", "level"]):
        settled = group["recovery_time_s"][np.isfinite(group["recovery_time_s"])]
        rows.append((f"{scenario} L{level}", float(settled.mean()) if len(settled) else float("nan"),
                     len(group) - len(settled), float(group["sim_time"].max())))
    figure = Figure(figsize=(9, 0.38 * len(rows) + 1.4))
    axes = figure.subplots()
    for index, (_label, mean, unsettled, end) in enumerate(rows):
        if math.isnan(mean):
            axes.barh(index, end, color="white", edgecolor="#c0392b", hatch="//")
            axes.text(end, index, "  never settled", va="center", fontsize="x-small", color="#c0392b")
        else:
            axes.barh(index, mean, color="#2e86c1")
            note = f"  {mean:.1f} s" + (f" ({unsettled} run(s) never settled)" if unsettled else "")
            axes.text(mean, index, note, va="center", fontsize="x-small")
    axes.set_yticks(range(len(rows)), [row[0] for row in rows], fontsize="small")
    axes.invert_yaxis()
    axes.set_xlabel("seconds from the last fault's end until the queue settled")
    axes.set_title("Recovery time")
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
    colours = _cycle(len(frame["scenario"].unique()))
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


def _cycle(count: int) -> list[tuple[float, float, float, float]]:
    palette = colormaps["tab10"] if count <= 10 else colormaps["tab20"]
    return [palette(i % palette.N) for i in range(count)]


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
    _label_grid(axes, scenarios, names)
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
    _label_grid(axes, [f"{v:g}" if isinstance(v, float) else str(v) for v in table.index],
                [f"{v:g}" if isinstance(v, float) else str(v) for v in table.columns])
    axes.set_xlabel(x)
    axes.set_ylabel(y)
    axes.set_title(f"Sweep of {scenario}: pass rate")
    return figure
