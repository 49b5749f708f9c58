"""The chaosbench command line: run directories, JSON mode, exit codes."""
from __future__ import annotations

import json

import pandas as pd

from chaosbench.cli.main import main
from chaosbench.orchestration.tasks.model import TASK_COLUMNS
from tests.conftest import ROOT, mmc_document

JOURNAL_KEYS = {
    "scenario", "file", "seed", "level", "parameters", "passed", "probes", "safeguards", "invariants",
    "counts", "trace_digest", "sim_time", "wall_time_s", "events_processed", "reproduce", "versions", "schema",
    "audit", "findings",
}


def test_run_writes_a_complete_run_directory(capsys, write_scenario, tmp_path):
    out = tmp_path / "run"
    assert main(["run", str(write_scenario(mmc_document())), "--seed", "3", "--out", str(out)]) == 0
    journal = json.loads((out / "journal.json").read_text())
    assert JOURNAL_KEYS <= set(journal)
    assert journal["seed"] == 3 and journal["level"] == 0 and journal["passed"] is True
    assert journal["sim_time"] == 600.0 and journal["events_processed"] > 0
    assert set(journal["safeguards"]) == {"fired", "expected", "missing"}
    assert journal["invariants"]["task_conservation"]["held"]
    tasks = pd.read_parquet(out / "tasks.parquet")
    assert tuple(tasks.columns) == TASK_COLUMNS
    assert len(tasks) == journal["counts"]["tasks_created"]
    timeseries = pd.read_parquet(out / "timeseries.parquet")
    assert len(timeseries) == 600 and timeseries["time"].iloc[-1] == 599.0
    printed = capsys.readouterr().out
    assert "PASSED" in printed and str(out) in printed


def test_json_mode_prints_only_the_verdict_and_the_journal(capsys, write_scenario, tmp_path):
    main(["run", str(write_scenario(mmc_document())), "--out", str(tmp_path / "run"), "--json"])
    printed = json.loads(capsys.readouterr().out)
    assert printed["schema"] == "chaosbench/run/v1" and printed["ok"] is True and printed["verdict"] == "passed"
    assert printed["run_dir"] == str(tmp_path / "run") and JOURNAL_KEYS <= set(printed["journal"])


def test_a_failing_probe_exits_1_and_prints_the_reproduce_command(capsys, write_scenario, tmp_path):
    path = write_scenario(mmc_document(steady_state=[{"latency": {"measure": "wait", "quantile": 0.99, "max": "1ms"}}]))
    assert main(["run", str(path), "--seed", "9", "--out", str(tmp_path / "run")]) == 1
    printed = capsys.readouterr().out
    assert "FAILED" in printed
    assert f"reproduce: chaosbench run {path} --seed 9 --level 0" in printed


def test_level_applies_the_difficulty_ladder(capsys, write_scenario, tmp_path):
    path = write_scenario(mmc_document(difficulty={"scale": {"workload.0.tasks.rate": 1.1}, "max_level": 3}))
    main(["run", str(path), "--level", "2", "--out", str(tmp_path / "run"), "--json"])
    journal = json.loads(capsys.readouterr().out)["journal"]
    assert journal["parameters"]["workload"][0]["tasks"]["rate"] == 3.2 * 1.1**2
    assert journal["reproduce"].endswith("--level 2")


def test_level_beyond_the_ladder_is_bad_input(capsys, write_scenario, tmp_path):
    path = write_scenario(mmc_document(difficulty={"max_level": 2}))
    assert main(["run", str(path), "--level", "3", "--out", str(tmp_path / "run")]) == 2
    assert "difficulty.max_level: level 3 is outside 0..2" in capsys.readouterr().err


def test_validate_accepts_the_shipped_scenarios(capsys):
    assert main(["validate", str(ROOT / "scenarios")]) == 0


def test_validate_reports_each_bad_file_and_exits_2(capsys, write_scenario):
    write_scenario(mmc_document(), "good.yaml")
    bad = write_scenario(mmc_document(duration="never"), "bad.yaml")
    assert main(["validate", str(bad.parent), "--json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert [entry["valid"] for entry in report["files"]] == [False, True]
    assert report["files"][0]["problems"][0]["field"] == "duration"


def test_list_shows_names_titles_and_faults(capsys):
    assert main(["list", str(ROOT / "scenarios"), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["scenarios"]
    assert any(row["name"] == "mmc" for row in rows)


def test_usage_errors_exit_2(capsys):
    try:
        main(["run"])
    except SystemExit as exc:
        assert exc.code == 2
    else:
        raise AssertionError("a missing argument must exit")
