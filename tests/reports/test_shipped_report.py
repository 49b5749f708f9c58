"""The default suite with the canary, as CI runs it: one canary rule in suite, report, JUnit, Markdown and HTML."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from chaosbench.cli.main import main
from tests.conftest import ShippedSuite
from tests.reports.html_check import Page, rendered_or_skip

CANARY = "canary_impossible_sla"


@pytest.fixture
def shipped(shipped_suite: ShippedSuite) -> tuple[int, int, Path, list[str]]:
    """The shared runs of the default suite plus the canary (see :func:`tests.conftest.shipped_suite`)."""
    return shipped_suite.suite_status, shipped_suite.report_status, shipped_suite.out, shipped_suite.names


def test_suite_and_report_give_the_same_exit_code_on_the_same_runs(shipped, capsys):
    suite_status, report_status, _, _ = shipped
    assert suite_status == report_status == 0  # every scenario passes and the canary fails, as it must


def test_the_canary_is_skipped_as_an_expected_failure_in_junit_not_failed(shipped):
    _, _, out, _ = shipped
    for name in ("suite.xml", "report.xml"):
        root = ET.parse(out / name).getroot()
        assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("16", "0", "1")
        (case,) = root.findall(f"testsuite[@name='{CANARY}']/testcase")
        assert case.find("failure") is None
        skipped = case.find("skipped")
        assert skipped.get("type") == "expected-failure" and "canary: it must fail" in skipped.get("message")
        assert "latency[end_to_end p50 critical]" in skipped.text


def test_the_markdown_does_not_list_the_canary_as_failed(shipped):
    _, _, out, _ = shipped
    for name in ("suite.md", "report.md"):
        text = (out / name).read_text(encoding="utf-8")
        assert text.startswith("## chaosbench resilience summary\n\n**PASSED: 16 of 16 scenario(s) ok")
        assert "### Failed runs" not in text
        assert f"### Canary runs that failed, as they must\n\n`{CANARY}[level0-seed1]`" in text


def test_the_report_of_the_shipped_suite_shows_every_scenario_under_a_green_banner(shipped):
    _, _, out, names = shipped
    text = (out / "report.html").read_text(encoding="utf-8")
    page = Page(text)
    assert page.sections == names  # all are ok: by name
    assert len(page.figures) >= 2 * len(names) + 3
    assert all(width > 300 and height > 150 for _, width, height in page.figures)
    assert page.outside == []
    assert '<div class="banner ok" id="verdict" data-ok="true">' in text and "canary failed as it must" in text
    # The heat map names the probe each scenario checks.
    assert "SLA compliance each scenario checks" in text


def test_the_report_of_the_shipped_suite_renders_in_headless_chromium(shipped):
    _, _, out, names = shipped
    seen = rendered_or_skip(out / "report.html")
    assert seen["sections"] == names
    assert seen["figures"] and all(f["complete"] and min(f["shown"]) > 100 for f in seen["figures"])


def test_report_json_counts_the_canary_as_an_expected_failure(shipped, capsys):
    _, _, out, _ = shipped
    assert main(["report", str(out / "runs"), "--json", "--md", str(out / "again.md")]) == 0
    found = json.loads(capsys.readouterr().out)
    counts = found["counts"]
    assert (found["ok"], counts["runs"], counts["failed_runs"], counts["expected_failures"]) == (True, 16, 0, 1)
    assert found["unhealthy_scenarios"] == []
