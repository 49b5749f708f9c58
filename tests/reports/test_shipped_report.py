"""The report of the shipped scenarios: every scenario appears and every figure renders."""
from __future__ import annotations

from pathlib import Path

import pytest

from chaosbench.reports import write_reports
from chaosbench.sim.run.layout import default_run_dir
from chaosbench.sim.run.rundir import write_run
from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.scenario.discovery import is_suite, load_suite, yaml_files
from chaosbench.sim.scenario.loader import load_scenario, read_yaml
from tests.conftest import ROOT
from tests.reports.html_check import Page, browser, render_in_browser


def default_suite() -> list[Path]:
    """The scenarios of ``scenarios/**/default*.yaml`` when such a suite ships, else every shipped scenario."""
    files = yaml_files([ROOT / "scenarios"])
    suites = [path for path in files if path.stem.startswith("default") and is_suite(read_yaml(path))]
    if suites:
        return load_suite(suites[0])[1]
    return [path for path in files if not is_suite(read_yaml(path))]


@pytest.fixture(scope="module")
def shipped_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("shipped")
    names = []
    for path in default_suite():
        scenario = load_scenario(path, 0)
        result = run_scenario(scenario, seed=1, file=str(path.relative_to(ROOT)))
        write_run(result, default_run_dir(scenario.name, 0, 1, out / "runs"))
        names.append(scenario.name)
    write_reports(out / "runs", html=out / "report.html")
    return out / "report.html", sorted(set(names))


def test_report_of_the_default_suite_shows_every_scenario(shipped_report):
    html, names = shipped_report
    page = Page(html.read_text(encoding="utf-8"))
    assert names and page.sections == names
    assert len(page.figures) >= 2 * len(names) + 1
    assert all(width > 300 and height > 150 for _, width, height in page.figures)
    assert page.outside == []


def test_report_of_the_default_suite_renders_in_headless_chromium(shipped_report):
    html, names = shipped_report
    executable = browser()
    if executable is None:
        pytest.skip("no Chromium here (scripts/install-browser.sh installs Debian's chromium); "
                    "the report was checked structurally instead")
    try:
        seen = render_in_browser(html, executable)
    except RuntimeError as exc:
        pytest.skip(f"Chromium cannot run here: {exc}")
    assert seen["sections"] == names
    assert seen["figures"] and all(f["complete"] and min(f["shown"]) > 100 for f in seen["figures"])
