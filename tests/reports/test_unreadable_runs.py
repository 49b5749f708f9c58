"""A run folder that cannot be read is left out of the report and named; the runs beside it are reported."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from chaosbench.cli.main import main
from chaosbench.reports import build_report
from chaosbench.sim.run.rundir import write_run
from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.scenario.loader import scenario_from_document
from tests.conftest import mmc_document


def _damage(run: Path, how: str) -> None:
    journal = run / "journal.json"
    if how == "truncated journal":
        journal.write_text(journal.read_text()[:100])
    elif how == "newer schema":
        journal.write_text(json.dumps({**json.loads(journal.read_text()), "schema": "7.2"}))
    elif how == "corrupt table":
        (run / "tasks.parquet").write_bytes((run / "tasks.parquet").read_bytes()[:200])
    elif how == "not a journal":
        journal.write_text("[1, 2, 3]")
    elif how == "missing table":
        (run / "timeseries.parquet").unlink()


@pytest.fixture(scope="module")
def good_run(tmp_path_factory) -> Path:
    scenario = scenario_from_document(mmc_document(duration="60s", warmup="0s"), "mmc_small.yaml")
    return write_run(run_scenario(scenario, seed=1), tmp_path_factory.mktemp("good") / "run")


@pytest.mark.parametrize("how", ["truncated journal", "newer schema", "corrupt table", "not a journal",
                                 "missing table"])
def test_report_writes_the_good_run_and_names_the_broken_one(good_run, tmp_path, capsys, how):
    results = tmp_path / "results"
    shutil.copytree(good_run, results / "good")
    shutil.copytree(good_run, results / "broken")
    _damage(results / "broken", how)
    html, md = tmp_path / "report.html", tmp_path / "summary.md"
    assert main(["report", str(results), "--html", str(html), "--md", str(md)]) == 2
    err = capsys.readouterr().err
    assert f"skipped {results / 'broken'}:" in err and "Traceback" not in err
    page = html.read_text()
    assert 'id="skipped"' in page and str(results / "broken") in page
    assert "1 run(s) of 1 scenario(s)" in page
    summary = md.read_text()
    assert str(results / "broken") in summary and "FAILED: 1 of 1 scenario(s) ok, 1 of 1 run(s)" in summary
    assert "1 folder(s) could not be read and are left out" in summary


def test_a_newer_journal_schema_is_named_with_its_version(good_run, tmp_path):
    shutil.copytree(good_run, tmp_path / "run")
    _damage(tmp_path / "run", "newer schema")
    report = build_report(tmp_path, with_figures=False)
    assert not report.runs
    assert "journal schema 7.2 is newer than this chaosbench reads (up to 2.x)" in report.skipped[0].reason


def test_only_broken_runs_exit_2_without_a_report(good_run, tmp_path, capsys):
    shutil.copytree(good_run, tmp_path / "results" / "broken")
    _damage(tmp_path / "results" / "broken", "truncated journal")
    assert main(["report", str(tmp_path / "results"), "--json"]) == 2
    captured = capsys.readouterr()
    assert json.loads(captured.out)["schema"] == "chaosbench/error/v1" and "not JSON" in captured.err
    assert not (tmp_path / "results" / "report.html").exists()


def test_json_output_lists_the_skipped_folders(good_run, tmp_path, capsys):
    shutil.copytree(good_run, tmp_path / "results" / "good")
    shutil.copytree(good_run, tmp_path / "results" / "broken")
    _damage(tmp_path / "results" / "broken", "corrupt table")
    assert main(["report", str(tmp_path / "results"), "--json"]) == 2
    out = json.loads(capsys.readouterr().out)
    assert len(out["runs"]) == out["counts"]["runs"] == 1
    assert out["skipped"][0]["path"] == str(tmp_path / "results" / "broken")


def test_compare_leaves_out_a_broken_run_names_it_and_compares_the_rest(good_run, tmp_path, capsys):
    shutil.copytree(good_run, tmp_path / "baseline" / "good")
    shutil.copytree(good_run, tmp_path / "current" / "good")
    shutil.copytree(good_run, tmp_path / "current" / "broken")
    _damage(tmp_path / "current" / "broken", "corrupt table")
    _damage(tmp_path / "current" / "broken", "truncated journal")
    assert main(["compare", str(tmp_path / "baseline"), str(tmp_path / "current"), "--json"]) == 2
    captured = capsys.readouterr()
    assert f"skipped {tmp_path / 'current' / 'broken'}" in captured.err
    comparison = json.loads(captured.out)["comparison"]
    assert comparison["paired"] == 1 and comparison["skipped"][0]["path"] == str(tmp_path / "current" / "broken")
