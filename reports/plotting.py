"""What every figure shares: rendering to PNG, colours, thinning long series, fault windows and probe bounds.

Figures are built without pyplot, so drawing them changes no global state.
"""
from __future__ import annotations

import io
from collections.abc import Iterable

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from chaosbench.reports.metrics import fault_windows
from chaosbench.sim.run.record import ProbeResult

PRIORITIES = ("critical", "high", "normal", "low")
PRIORITY_COLOURS = {"critical": "#c0392b", "high": "#e67e22", "normal": "#2e86c1", "low": "#7f8c8d"}
FAULT_COLOURS = ("#f5b7b1", "#d7bde2", "#a9cce3", "#a3e4d7", "#f9e79f", "#edbb99")
BOUND_COLOUR = "#1b2631"
#: Line plots of longer series are thinned to about this many points, keeping each stretch's maximum.
MAX_POINTS = 4000
#: A fault window is drawn at least this share of the run wide, so that a short one stays visible.
MIN_WINDOW_SHARE = 1 / 120


def to_png(figure: Figure, dpi: int = 96) -> bytes:
    """The figure as PNG bytes."""
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def plain_log_labels(axis: Axis) -> None:
    """Label a log or symlog ``axis`` 0.01, 1, 100 rather than as powers of ten: typesetting each power as
    mathematics took a fifth of a report's drawing time."""
    axis.set_major_formatter(FuncFormatter(lambda value, _position: f"{value:g}"))
    axis.set_minor_formatter(NullFormatter())


def thin(series: pd.DataFrame) -> pd.DataFrame:
    """At most about :data:`MAX_POINTS` rows: each stretch of rows becomes its maximum, so peaks stay."""
    if len(series) <= MAX_POINTS:
        return series
    groups = np.arange(len(series)) * MAX_POINTS // len(series)
    return series.groupby(groups).max()


def shade_faults(axes: Axes, faults: pd.DataFrame | None, end: float) -> None:
    """Each fault on a time axis: a shaded window at least :data:`MIN_WINDOW_SHARE` of the run wide, or, for an
    instant fault (no duration), a dashed line with a marker at the top; each kind named once in the legend."""
    colours: dict[str, str] = {}
    for kind, start, stop in fault_windows(faults, end):
        first = kind not in colours
        colour = colours.setdefault(kind, FAULT_COLOURS[len(colours) % len(FAULT_COLOURS)])
        label = f"fault: {kind}" if first else None
        if stop <= start:
            axes.axvline(start, color=_darker(colour), linestyle="--", linewidth=1.2, label=label)
            axes.plot([start], [1.0], marker="v", markersize=9, color=_darker(colour), clip_on=False,
                      transform=axes.get_xaxis_transform())
        else:
            axes.axvspan(start, max(stop, start + end * MIN_WINDOW_SHARE), color=colour, alpha=0.5, linewidth=0,
                         label=label)


def _darker(colour: str) -> tuple[float, float, float]:
    red, green, blue = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return red * 0.6, green * 0.6, blue * 0.6


def draw_bound(axes: Axes, probe: ProbeResult, *, vertical: bool = False) -> None:
    """The probe's bound as a dark dotted line across the axes, labelled with its id and bound."""
    line = axes.axvline if vertical else axes.axhline
    line(probe.bound.value, color=BOUND_COLOUR, linestyle=":", linewidth=1.4, label=f"{probe.id} {probe.bound}")


def floor_limits(axes: Axes, values: Iterable[float], *, minimum: float = 1.0, vertical: bool = True) -> None:
    """Start the value axis at 0 and, when every value is 0 (or there is none), end it at ``minimum``, so that an
    all-zero figure has a readable axis instead of a degenerate one."""
    finite = [float(v) for v in values if np.isfinite(v)]
    top = max(finite, default=0.0)
    if vertical:
        axes.set_ylim(0, top * 1.08 if top > 0 else minimum)
    else:
        axes.set_xlim(0, top * 1.08 if top > 0 else minimum)


def label_grid(axes: Axes, rows: list[str], columns: list[str]) -> None:
    axes.set_yticks(range(len(rows)), rows, fontsize="small")
    axes.set_xticks(range(len(columns)), columns, fontsize="small")


def palette(count: int) -> list[tuple[float, float, float, float]]:
    """``count`` distinct colours, one per line of a figure."""
    colours = colormaps["tab10"] if count <= 10 else colormaps["tab20"]
    return [colours(i % colours.N) for i in range(count)]


def seconds(value: float) -> str:
    """A duration for a legend: ``250 ms``, ``1.5 s``."""
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.3g} s"
