"""Reading chaosbench results and writing reports: HTML, Markdown, JUnit XML and figures.

``reports`` never runs a simulation: it reads runs held in memory
(``RunResult``), run directories (DESIGN §4) and the memory database.
Importing it loads neither SimPy nor the stack, and matplotlib only once a
figure is drawn.

May import the light modules of ``sim`` (the run record and layout, the pure
measures), never the modules that run simulations nor the front ends.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from chaosbench.reports.compare import Comparison, compare
from chaosbench.reports.content import Report, build_report
from chaosbench.reports.loading import (
    KEY_COLUMNS,
    PROBE_COLUMNS,
    RUN_COLUMNS,
    SAFEGUARD_COLUMNS,
    Results,
    RunRecord,
    Unreadable,
    find_runs,
    load_counts,
    load_probes,
    load_runs,
    load_safeguards,
    load_table,
    load_tasks,
)
from chaosbench.reports.memory import load_memory
from chaosbench.sim.spec.extras import require

__all__ = [
    "KEY_COLUMNS", "PROBE_COLUMNS", "RUN_COLUMNS", "SAFEGUARD_COLUMNS", "Comparison", "Report", "Results", "RunRecord",
    "Unreadable", "build_report", "compare", "find_runs", "load_counts", "load_memory", "load_probes", "load_runs",
    "load_safeguards",
    "load_table", "load_tasks", "write_reports",
]


def write_reports(results: Results, *, html: str | Path | None = None, md: str | Path | None = None,
                  junit: str | Path | None = None, db: str | Path | None = None,
                  comparison: Comparison | None = None) -> Report:
    """Write the reports asked for, of every run of ``results`` (and of the memory database ``db``, read only
    when named, and a ``comparison`` against a baseline from :func:`compare`).

    ``results`` is a folder, a run directory, a run held in memory (``RunResult``), or several of these
    (the suite command passes the run directories it wrote); sweep folders and ablation tables below a
    folder are reported too. Returns the report, so a caller can show its score and verdicts.
    """
    from chaosbench.reports.junit import render_junit
    from chaosbench.reports.markdown import render_markdown

    render_html = _html_renderer() if html is not None else None
    report = build_report(results, db=db, comparison=comparison, with_figures=html is not None)
    for path, render in ((html, render_html), (md, render_markdown), (junit, render_junit)):
        if path is not None and render is not None:
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                path.write_text(render(report), encoding="utf-8")
            except OSError as exc:  # a full disk shows itself on close, where the error names no file
                raise OSError(exc.errno, exc.strerror, str(path)) from None
    return report


def _html_renderer() -> Callable[[Report], str]:
    """The HTML renderer, whose template engine and figures the ``report`` extra installs."""
    for module in ("jinja2", "matplotlib"):
        require(module, "report", "the HTML report")
    from chaosbench.reports.html import render_html

    return render_html
