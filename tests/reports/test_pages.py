"""The report of a failing suite and of a sweep, as a person sees it in headless Chromium."""
from __future__ import annotations

import pytest
import yaml

from chaosbench.cli.main import main
from tests.conftest import mmc_document
from tests.reports.html_check import Page, banner_pixels, dark_share, rendered_or_skip, screenshot_or_skip

FAST = {"duration": "300s", "warmup": "30s"}


@pytest.fixture(scope="module")
def failing_suite(tmp_path_factory):
    """A suite in which one scenario fails, one passes and the canary fails, as it must; its report."""
    root = tmp_path_factory.mktemp("failing")
    documents = [mmc_document(name="steady", **FAST),
                 mmc_document(name="overloaded", **FAST, steady_state=[{"throughput": {"min": "5/s"}},
                                                                       {"sla_compliance": {"min": 0.5}}]),
                 mmc_document(name="canary_latency", tags=["canary"], **FAST,
                              steady_state=[{"latency": {"measure": "wait", "quantile": 0.99, "max": "1ms"}}])]
    for document in documents:
        (root / f"{document['name']}.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    names = [f"{document['name']}.yaml" for document in documents]
    (root / "suite.yaml").write_text(yaml.safe_dump({"name": "s", "scenarios": names}))
    status = main(["suite", str(root / "suite.yaml"), "--seeds", "2", "--no-db", "--out", str(root / "runs"),
                   "--html", str(root / "report.html"), "--json"])
    return status, root / "report.html"


def test_a_failing_suite_reads_at_a_glance_verdict_first_then_failures_first(failing_suite, capsys):
    status, html = failing_suite
    assert status == 1
    text = html.read_text(encoding="utf-8")
    assert Page(text).sections == ["overloaded", "canary_latency", "steady"]
    assert '<div class="banner failed" id="verdict" data-ok="false">' in text
    assert "FAILED: 2 of 3 scenario(s) ok, 4 of 6 run(s); failed: overloaded" in text
    # The failing scenario is open; those that are ok are collapsed.
    assert '<details class="scenario not-ok" open>' in text and text.count('<details class="scenario">') == 2
    assert "throughput = 3.2" in text and "(needs &gt;= 5 tasks/s)" in text
    for context in ("chaosbench</dt>", "host</dt>", "started</dt>", "wall time</dt>", "seeds</dt><dd>1, 2;"):
        assert context in text
    assert 'id="filter"' in text and "<script>" in text and Page(text).outside == []


def test_a_failing_suite_screenshot_shows_a_red_banner(failing_suite, tmp_path):
    _, html = failing_suite
    png = screenshot_or_skip(html, tmp_path / "failing.png")
    banner = banner_pixels(png)
    assert banner["failed"] > 10_000 and banner["ok"] == 0, banner
    assert 0.02 < dark_share(png) < 0.6


def test_a_failing_suite_renders_every_figure_once_opened(failing_suite):
    _, html = failing_suite
    seen = rendered_or_skip(html)
    assert seen["sections"] == ["overloaded", "canary_latency", "steady"]
    assert len(seen["figures"]) == len(Page(html.read_text(encoding="utf-8")).figures) == 1 + 2 * 3
    assert all(f["complete"] and min(f["shown"]) > 100 for f in seen["figures"]), seen["figures"]


def test_the_filter_box_and_the_failed_switch_work_without_a_network(failing_suite):
    _, html = failing_suite
    typed = rendered_or_skip(html, "const box = document.getElementById('filter'); box.value = 'STEAD';"
                                   "box.dispatchEvent(new Event('input'));")
    assert typed["visible"] == ["steady"]
    switched = rendered_or_skip(html, "const only = document.getElementById('only-failed'); only.checked = true;"
                                      "only.dispatchEvent(new Event('change'));")
    assert switched["visible"] == ["overloaded"]
    assert rendered_or_skip(html)["visible"] == ["overloaded", "canary_latency", "steady"]


@pytest.fixture(scope="module")
def sweep_report(tmp_path_factory):
    """A sweep of four seeds over two worker counts, and the report of its folder."""
    root = tmp_path_factory.mktemp("sweep")
    scenario = root / "mmc.yaml"
    scenario.write_text(yaml.safe_dump(mmc_document(duration="200s", warmup="20s", steady_state=[
        {"sla_compliance": {"min": 0.5}}, {"latency": {"measure": "wait", "quantile": 0.99, "max": "60s"}}])))
    assert main(["sweep", str(scenario), "--seeds", "1:4", "--set", "stack.htm.workers=4,5", "--workers", "1",
                 "--out", str(root / "runs" / "sweep"), "--json"]) == 0
    status = main(["report", str(root / "runs"), "--html", str(root / "report.html"), "--md", str(root / "s.md")])
    return status, root / "report.html", root / "s.md"


def test_a_sweep_report_shows_each_probe_against_each_setting_with_exact_pass_rate_intervals(sweep_report):
    status, html, md = sweep_report
    assert status == 0
    text = html.read_text(encoding="utf-8")
    alts = [alt for alt, _, _ in Page(text).figures]
    assert alts == ["Probes of mmc_small (sweep) against stack.htm.workers"]
    assert "0 run(s) of 0 scenario(s)" not in text and "1 sweep(s) of 8 run(s)" in text
    assert "PASSED: sweep of mmc_small: 8 of 8 run(s) ok" in text
    # Four seeds that all pass: the exact interval's lower bound is well below 1.
    assert "<td>4/4 [0.398, 1]</td>" in text and "4/4 [0.398, 1]" in md.read_text(encoding="utf-8")


def test_a_sweep_report_screenshot_is_green_and_not_blank(sweep_report, tmp_path):
    _, html, _ = sweep_report
    png = screenshot_or_skip(html, tmp_path / "sweep.png")
    banner = banner_pixels(png)
    assert banner["ok"] > 10_000 and banner["failed"] == 0, banner
    assert 0.005 < dark_share(png) < 0.6  # one table and one figure on a page of 2400 pixels
    seen = rendered_or_skip(html)
    assert len(seen["figures"]) == 1 and all(min(f["shown"]) > 100 for f in seen["figures"])
