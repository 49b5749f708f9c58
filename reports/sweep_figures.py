"""How a sweep's probes move with each setting: the mean and interval of each probe, and the pass rate, per value.

The intervals are those of :mod:`sim.checks.intervals`: Student t for a
probe's mean over the runs at one value, exact Clopper–Pearson for the pass
rate. The other settings are pooled; a line per level when the sweep has
several.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from chaosbench.reports.plotting import BOUND_COLOUR, palette
from chaosbench.sim.checks.identity import PROBE_PREFIX, bound_text
from chaosbench.sim.checks.intervals import summarize

#: Panels per row of a sweep's figure.
_COLUMNS = 3


def _label(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def probe_trends(table: pd.DataFrame, setting: str, scenario: str,
                 probes: Mapping[str, Mapping[str, Any]] | None = None) -> Figure | None:
    """One panel per probe (mean and 95% interval against each value of ``setting``) and one for the pass
    rate; ``probes`` (id -> ``{bound: {op, value, unit}, unit}``, as ``sweep.json`` has them) adds each
    probe's bound as a line. None when ``setting`` takes fewer than two values."""
    if table.empty or setting not in table or table[setting].nunique() < 2:
        return None
    probes = probes or {}
    summary = summarize(table, [setting, "level"] if setting != "level" else ["level"])
    metrics = [*(column for column in table.columns if column.startswith(PROBE_PREFIX)), "passed"]
    rows = math.ceil(len(metrics) / _COLUMNS)
    columns = min(len(metrics), _COLUMNS)
    figure = Figure(figsize=(4.2 * columns, 3.0 * rows + 0.4), layout="constrained")
    panels = np.atleast_1d(figure.subplots(rows, columns, squeeze=False)).ravel()
    values = list(dict.fromkeys(table[setting].tolist()))
    numeric = all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in values)
    where = {value: (float(value) if numeric else float(index)) for index, value in enumerate(values)}
    # Against the level itself, one line; against a setting, one line per level.
    levels = sorted(summary["level"].unique()) if setting != "level" else [None]
    colours = palette(len(levels))
    for axes, metric in zip(panels, metrics, strict=False):
        rows_of = summary[summary["metric"] == metric]
        for colour, level in zip(colours, levels, strict=True):
            line = rows_of[rows_of["level"] == level] if setting != "level" else rows_of
            line = line.sort_values(setting, key=lambda col: col.map(where))
            x = line[setting].map(where).to_numpy(dtype=float)
            mean = line["mean"].to_numpy(dtype=float)
            low = np.where(np.isnan(line["ci_low"]), mean, line["ci_low"])
            high = np.where(np.isnan(line["ci_high"]), mean, line["ci_high"])
            axes.errorbar(x, mean, yerr=[mean - low, high - mean], color=colour, marker="o", capsize=3,
                          label=f"level {level}" if len(levels) > 1 else None)
        probe_id = metric.removeprefix(PROBE_PREFIX)
        about = probes.get(probe_id, {})
        bound = about.get("bound") if isinstance(about, Mapping) else None
        if metric == "passed":
            axes.set_ylim(-0.03, 1.03)
            axes.set_title("pass rate (95% Clopper–Pearson)", fontsize="small")
        else:
            axes.set_title(f"{probe_id} (mean, 95% t)", fontsize="small")
            if isinstance(bound, Mapping):
                axes.axhline(float(bound["value"]), color=BOUND_COLOUR, linestyle=":", linewidth=1.4,
                             label=bound_text(str(bound["op"]), float(bound["value"]), str(bound.get("unit", ""))))
        if not numeric or len(values) <= 12:
            axes.set_xticks([where[value] for value in values], [_label(value) for value in values])
        axes.set_xlabel(setting, fontsize="small")
        axes.grid(alpha=0.3)
        if axes.get_legend_handles_labels()[0]:
            axes.legend(fontsize="x-small")
    for axes in panels[len(metrics):]:
        axes.set_visible(False)
    figure.suptitle(f"Sweep of {scenario}: probes against {setting}")
    return figure
