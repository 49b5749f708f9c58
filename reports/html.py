"""The self-contained HTML resilience report: one file, figures embedded as base64 PNG, no network resources.

Its small interactivity (a filter box, a switch to show only what failed,
collapsible parts) is inline script and native ``<details>`` elements, so
the file works offline and from an e-mail attachment alike.
"""
from __future__ import annotations

import base64
from importlib import metadata
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup
from matplotlib.figure import Figure

from chaosbench.reports.content import Report, trend
from chaosbench.reports.drills import HEADER as INCIDENT_HEADER
from chaosbench.reports.plotting import to_png
from chaosbench.sim.checks.identity import quantity
from chaosbench.sim.checks.intervals import estimate_text

_TEMPLATES = Path(__file__).parent / "templates"


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=True,
                                     undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    environment.filters["png"] = _png
    environment.filters["quantity"] = lambda value, unit: quantity(float(value), str(unit), digits=4)
    environment.filters["change"] = lambda mean, low, high: estimate_text(mean, low, high, signed=True)
    environment.filters["table"] = _table
    return environment


def _png(figure: Figure) -> str:
    return base64.b64encode(to_png(figure)).decode("ascii")


def _table(frame: pd.DataFrame) -> Markup:
    if frame.empty:
        return Markup('<p class="muted">Nothing recorded.</p>')
    return Markup(frame.to_html(index=False, escape=True, na_rep="", border=0))


def render_html(report: Report) -> str:
    """The report as one HTML document."""
    overview = {(row.scenario, int(row.level)): (int(row.passed), int(row.runs), int(row.ok))
                for row in report.overview().itertuples(index=False)}
    levels = sorted({level for _, level in overview})
    return _environment().get_template("report.html.j2").render(
        report=report, overview=overview, levels=levels, version=_version(), trend=trend(report),
        incident_header=INCIDENT_HEADER)


def _version() -> str:
    try:
        return metadata.version("chaosbench")
    except metadata.PackageNotFoundError:
        return "unknown"
