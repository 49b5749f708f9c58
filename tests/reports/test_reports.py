"""The HTML report, the Markdown summary and JUnit XML of a results tree, and ``chaosbench report``."""
from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET

import pytest

from chaosbench.cli.main import main
from chaosbench.reports import build_report, load_runs, write_reports
from chaosbench.reports.markdown import LIMIT
from chaosbench.reports.score import resilience_score, run_credit
from tests.reports.html_check import Page, banner_pixels, dark_share, rendered_or_skip, screenshot_or_skip

SCENARIOS = ["burst", "canary", "mmc_small"]


@pytest.fixture(scope="module")
def written(results, memory_db, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    paths = {"html": out / "report.html", "md": out / "summary.md", "junit": out / "junit.xml"}
    report = write_reports(results, db=memory_db, **paths)
    return report, paths


def _figure_count(report) -> int:
    return (len(report.figures) + sum(len(section.figures) for section in report.sections)
            + (report.ladder_figure is not None) + (report.history_figure is not None))


def test_html_report_shows_every_scenario_and_embeds_every_figure(written):
    report, paths = written
    page = Page(paths["html"].read_text(encoding="utf-8"))
    assert page.sections == SCENARIOS
    assert report.ladder_figure is not None and report.history_figure is not None
    assert set(report.figures) == {"SLA compliance each scenario checks", "Recovery time", "Safeguards fired"}
    assert all({"Queue depth", "Latency"} <= set(section.figures) for section in report.sections)
    assert len(page.figures) == _figure_count(report)
    assert all(width > 300 and height > 150 for _, width, height in page.figures), page.figures
    assert page.outside == []


def test_html_report_states_the_score_and_its_formula_and_each_reproduce_command(written):
    report, paths = written
    text = paths["html"].read_text(encoding="utf-8")
    assert f"{report.score:.1f}" in text and "score = 100 × Σ (1 + level) × credit" in text
    assert "chaosbench run scenarios/canary.yaml --seed 1 --level 0" in text
    assert "canary failed as it must" in text and "PASSED: 3 of 3 scenario(s) ok, 7 of 7 run(s)" in text
    # The memory database was named: its history and ladder, of this report's scenarios only.
    assert 'id="history"' in text and 'id="ladder"' in text and "unrelated" not in text
    assert "queue depth passed 100 tasks during the flood" in text
    assert "Coding work orders" in text and "load_shedder" in text


def test_html_report_renders_every_figure_in_headless_chromium(written):
    report, paths = written
    seen = rendered_or_skip(paths["html"])
    assert seen["sections"] == SCENARIOS
    assert len(seen["figures"]) == _figure_count(report)
    for figure in seen["figures"]:
        assert figure["complete"] and min(figure["natural"]) > 100 and min(figure["shown"]) > 100, figure


def test_the_rendered_page_is_not_blank_and_its_banner_is_green(written, tmp_path):
    from PIL import Image

    _, paths = written
    png = screenshot_or_skip(paths["html"], tmp_path / "page.png")
    dark = dark_share(png)
    # Text, tables and the overview's figures cover a few percent of the page; a blank page covers nothing.
    assert Image.open(png).size == (1200, 2400) and 0.02 < dark < 0.6, dark
    banner = banner_pixels(png)
    assert banner["ok"] > 10_000 and banner["failed"] == 0, banner


def test_junit_counts_equal_the_runs_verdicts_and_skips_a_canary_that_failed(written, results):
    _, paths = written
    root = ET.parse(paths["junit"]).getroot()
    runs = load_runs(results)
    assert int(root.get("tests")) == len(runs) == len(root.findall(".//testcase"))
    assert int(root.get("failures")) == int((~runs["ok"]).sum()) == len(root.findall(".//failure")) == 0
    assert int(root.get("skipped")) == int((runs["verdict"] == "expected failure").sum()) == 1
    for suite in root.findall("testsuite"):
        group = runs[runs["scenario"] == suite.get("name")]
        assert int(suite.get("tests")) == len(group)
        assert int(suite.get("failures")) == int((~group["ok"]).sum())
    (skipped,) = root.findall(".//skipped")
    assert skipped.get("type") == "expected-failure"
    assert skipped.get("message").startswith("canary: it must fail") and "latency[end_to_end p99]" in skipped.get(
        "message")
    assert "<= 0.001s" in skipped.text and "FAILED" in skipped.text
    assert "reproduce: chaosbench run scenarios/canary.yaml --seed 1 --level 0" in skipped.text


def test_two_sla_probes_of_one_scenario_have_distinct_ids_in_journal_junit_and_html(written, results):
    report, paths = written
    ids = ["sla_compliance[critical]", "sla_compliance[high]"]
    journal = json.loads((results / "burst" / "level0-seed1" / "journal.json").read_text())
    assert [probe["id"] for probe in journal["probes"]][:2] == ids
    junit = paths["junit"].read_text(encoding="utf-8")
    html = paths["html"].read_text(encoding="utf-8")
    burst = html[html.index('data-scenario="burst"'):]
    for probe_id in ids:
        assert f'<tr data-probe="{probe_id}"><td><code>{probe_id}</code></td>' in burst
    failing = report.runs[0].journal.model_copy(update={"probes": [
        probe.model_copy(update={"passed": False}) for probe in report.runs[0].journal.probes]})
    from chaosbench.reports.junit import failure_message, failure_text

    assert failure_message(failing).startswith(f"probes failed: {ids[0]}, {ids[1]}")
    assert all(probe_id in failure_text(failing) for probe_id in ids)
    cases = ET.fromstring(junit).findall("testsuite[@name='burst']/testcase")
    for case in cases:
        named = [prop.get("name") for prop in case.iter("property")]
        assert named[-3:] == [f"probe {ids[0]}", f"probe {ids[1]}", "probe max_queue_depth"]
    (critical,) = [prop for prop in cases[0].iter("property") if prop.get("name") == f"probe {ids[0]}"]
    assert critical.get("value").endswith("(needs >= 0.9): held")


def test_markdown_summary_lists_verdicts_and_keeps_a_canary_that_failed_out_of_the_failures(written):
    _, paths = written
    text = paths["md"].read_text(encoding="utf-8")
    assert "**PASSED: 3 of 3 scenario(s) ok, 7 of 7 run(s)**" in text and "7 of 7 runs ok" in text
    for name in SCENARIOS:
        assert f"| `{name}` |" in text
    assert "### Failed runs" not in text
    assert "### Canary runs that failed, as they must\n\n`canary[level0-seed1]`" in text


def test_markdown_summary_stays_small_with_many_failures(results, tmp_path):
    source = results / "canary" / "level0-seed1"
    for seed in range(2, 80):
        target = tmp_path / "canary" / f"level0-seed{seed}"
        shutil.copytree(source, target)
        journal = json.loads((target / "journal.json").read_text())
        journal["seed"] = seed
        journal["parameters"]["tags"] = []
        journal["scenario"] = "impossible"  # no longer a canary: each run is a failure
        (target / "journal.json").write_text(json.dumps(journal))
    write_reports(tmp_path, md=tmp_path / "summary.md")
    text = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert len(text.encode()) < LIMIT
    assert "63 more failed run(s)" in text
    assert "| `latency[end_to_end p99]` | " in text and "| <= 0.001s | **FAILED** |" in text


def test_the_score_weighs_levels_gives_partial_credit_and_leaves_canaries_out(results):
    report = build_report(results, with_figures=False)
    assert report.score == 100.0
    runs = load_runs(results)
    runs.loc[(runs["scenario"] == "mmc_small") & (runs["level"] == 1) & (runs["seed"] == 1), "passed"] = False
    runs.loc[(runs["scenario"] == "mmc_small") & (runs["level"] == 1) & (runs["seed"] == 1), "probes_failed"] = 1
    # weights: burst 1+1, mmc_small L0 1+1, L1 2+2 = 8; the failed L1 run holds 0 of 1 probes: credit 0
    assert resilience_score(runs) == pytest.approx(100 * 6 / 8)
    assert run_credit(False, 4, 1, 0) == 0.375 and run_credit(False, 4, 1, 1) == 0.0 and run_credit(True, 0, 0, 0) == 1


def test_report_command_writes_the_files_asked_for(results, tmp_path, capsys):
    args = ["report", str(results), "--html", str(tmp_path / "r.html"), "--md", str(tmp_path / "s.md"),
            "--junit", str(tmp_path / "j.xml")]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "PASSED: 3 of 3 scenario(s) ok, 7 of 7 run(s)" in printed and str(tmp_path / "r.html") in printed
    assert all((tmp_path / name).stat().st_size > 0 for name in ("r.html", "s.md", "j.xml"))


def test_report_command_fails_when_a_scenario_failed_and_writes_html_by_default(results, tmp_path, capsys):
    shutil.copytree(results / "mmc_small", tmp_path / "res" / "mmc_small")
    journal_path = tmp_path / "res" / "mmc_small" / "level0-seed1" / "journal.json"
    journal = json.loads(journal_path.read_text())
    journal["passed"] = False
    journal_path.write_text(json.dumps(journal))
    assert main(["report", str(tmp_path / "res"), "--json"]) == 1
    printed = json.loads(capsys.readouterr().out)
    assert printed["unhealthy_scenarios"] == ["mmc_small"] and printed["counts"]["failed_runs"] == 1
    assert (tmp_path / "res" / "report.html").is_file()


def test_report_command_without_results_exits_2(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "no run directories" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing")]) == 2
    assert not (tmp_path / "report.html").exists()


def test_report_command_refuses_a_journal_of_a_newer_schema_naming_it(tmp_path, capsys):
    journal = tmp_path / "run" / "journal.json"
    journal.parent.mkdir()
    journal.write_text(json.dumps({"schema": "9.0", "scenario": "x"}))
    assert main(["report", str(tmp_path)]) == 2
    assert f"{journal}: journal schema 9.0 is newer than this chaosbench reads" in capsys.readouterr().err


def test_a_results_folder_with_only_a_sweep_reports_how_its_probes_move_with_each_setting(tmp_path, capsys,
                                                                                         monkeypatch):
    from tests.reports.test_figures import _sweep_folder

    _sweep_folder(tmp_path / "runs" / "mmc" / "sweep", {"stack.htm.workers": [4, 5], "workload.0.tasks.rate": [3, 4]})
    # A memory database in the working folder is not read unless named: no ladder of unrelated scenarios.
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".chaosbench").mkdir()
    (tmp_path / ".chaosbench" / "memory.sqlite").write_bytes(b"")
    # Half the sweep's runs failed, so the report fails as the sweep did.
    assert main(["report", str(tmp_path / "runs"), "--html", str(tmp_path / "r.html"),
                 "--md", str(tmp_path / "s.md")]) == 1
    text = (tmp_path / "r.html").read_text(encoding="utf-8")
    page = Page(text)
    assert [alt for alt, _, _ in page.figures] == [
        "Pass rate of mmc (sweep): stack.htm.workers × workload.0.tasks.rate",
        "Probes of mmc (sweep) against stack.htm.workers", "Probes of mmc (sweep) against workload.0.tasks.rate"]
    assert "0 run(s) of 0 scenario(s)" not in text and 'id="ladder"' not in text and 'id="overview"' not in text
    assert "FAILED: sweep of mmc: 6 of 12 run(s) ok" in text
    summary = (tmp_path / "s.md").read_text(encoding="utf-8")
    assert "Sweep of `mmc` over stack.htm.workers, workload.0.tasks.rate: 6 of 12 runs passed." in summary
    # Three seeds per setting, all passed at 4 workers and rate 3: an exact interval, not [1, 1].
    assert "| stack.htm.workers | workload.0.tasks.rate | level | runs | pass rate [95% CI] | latency[wait p99] |" in (
        summary)
    assert "| 4 | 3 | 0 | 3 | 3/3 [0.292, 1] | 3 [0.516, 5.48] |" in summary


def test_far_apart_seeds_are_listed_and_consecutive_ones_spanned():
    from chaosbench.reports.context import _span

    assert _span((3, 4, 5)) == "3-5"
    assert _span((7, 1_500_000_000, 2_000_000_000)) == "7, 1500000000, 2000000000"
