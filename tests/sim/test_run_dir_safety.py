"""A run is written only where it destroys nothing: a new folder, an empty one, or a run directory it replaces."""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from chaosbench.cli.main import main
from chaosbench.sim.run.layout import MARKER
from chaosbench.sim.run.record import RunResult
from chaosbench.sim.run.rundir import RunDirError, read_journal, write_run
from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.scenario.loader import scenario_from_document
from tests.conftest import mmc_document


@pytest.fixture(scope="module")
def result() -> RunResult:
    scenario = scenario_from_document(mmc_document(duration="60s", warmup="0s"), "mmc_small.yaml")
    return run_scenario(scenario, seed=1)


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "mmc_small.yaml"
    path.write_text(yaml.safe_dump(mmc_document(duration="60s", warmup="0s")), encoding="utf-8")
    return path


def test_a_run_directory_carries_the_marker_and_is_replaced_by_the_next_run(result, tmp_path):
    out = write_run(result, tmp_path / "run")
    assert (out / MARKER).is_file()
    write_run(result, out)
    assert read_journal(out).trace_digest == result.journal.trace_digest


def test_an_empty_folder_takes_a_run(result, tmp_path):
    (tmp_path / "empty").mkdir()
    assert read_journal(write_run(result, tmp_path / "empty")).seed == 1


def test_a_folder_with_other_files_is_refused_and_keeps_them(result, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(RunDirError, match="not a chaosbench run directory"):
        write_run(result, project)
    assert [path.name for path in project.iterdir()] == ["notes.txt"]


def test_a_folder_of_earlier_runs_is_refused_and_keeps_every_run(result, tmp_path):
    for seed in (1, 2):
        write_run(result, tmp_path / "runs" / f"level0-seed{seed}")
    with pytest.raises(RunDirError):
        write_run(result, tmp_path / "runs")
    assert sorted(path.name for path in (tmp_path / "runs").iterdir()) == ["level0-seed1", "level0-seed2"]


def test_a_run_written_before_the_marker_existed_is_still_replaced(result, tmp_path):
    out = write_run(result, tmp_path / "old")
    (out / MARKER).unlink()
    write_run(result, out)
    assert (out / MARKER).is_file()


def test_run_refuses_a_foreign_out_folder_before_simulating_and_exits_2(scenario_file, tmp_path, capsys):
    project = tmp_path / "project"
    project.mkdir()
    (project / "keep.py").write_text("print('mine')\n", encoding="utf-8")
    assert main(["run", str(scenario_file), "--out", str(project)]) == 2
    assert "not a chaosbench run directory" in capsys.readouterr().err
    assert [path.name for path in project.iterdir()] == ["keep.py"]


def test_run_refuses_a_file_as_out(scenario_file, tmp_path, capsys):
    target = tmp_path / "results.txt"
    target.write_text("data", encoding="utf-8")
    assert main(["run", str(scenario_file), "--out", str(target)]) == 2
    assert "is a file" in capsys.readouterr().err and target.read_text(encoding="utf-8") == "data"


def test_a_run_directory_holding_other_files_is_replaced_only_with_force(scenario_file, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(scenario_file), "--out", str(out)]) == 0
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["run", str(scenario_file), "--out", str(out), "--seed", "2"]) == 2
    assert "also holds notes.txt; --force replaces it" in capsys.readouterr().err
    assert (out / "notes.txt").is_file() and read_journal(out).seed == 1
    assert main(["run", str(scenario_file), "--out", str(out), "--seed", "2", "--force"]) == 0
    assert not (out / "notes.txt").exists() and read_journal(out).seed == 2


def test_force_never_replaces_a_folder_that_is_not_a_run(scenario_file, tmp_path, capsys):
    project = tmp_path / "project"
    project.mkdir()
    (project / "keep.py").write_text("print('mine')\n", encoding="utf-8")
    assert main(["run", str(scenario_file), "--out", str(project), "--force"]) == 2
    assert "--force replaces only a run" in capsys.readouterr().err
    assert [path.name for path in project.iterdir()] == ["keep.py"]


def test_a_suite_checks_every_run_directory_before_running_any(scenario_file, tmp_path, capsys):
    out = tmp_path / "runs"
    (out / "mmc_small" / "level0-seed2").mkdir(parents=True)
    (out / "mmc_small" / "level0-seed2" / "mine.txt").write_text("mine", encoding="utf-8")
    assert main(["suite", str(scenario_file), "--seeds", "2", "--out", str(out), "--no-db"]) == 2
    assert not (out / "mmc_small" / "level0-seed1").exists()
    assert "level0-seed2: is a folder that is not a chaosbench run directory" in capsys.readouterr().err


def test_two_writers_of_one_run_directory_take_turns_and_leave_one_whole_run(result, tmp_path, monkeypatch):
    replace = os.replace

    def slow_replace(source, target):  # widens the window in which two unguarded swaps would collide
        time.sleep(0.002)
        replace(source, target)

    monkeypatch.setattr(os, "replace", slow_replace)
    other = run_scenario(scenario_from_document(mmc_document(duration="90s", warmup="0s"), "mmc_small.yaml"), seed=2)
    out = tmp_path / "run"
    errors: list[BaseException] = []

    def write(run: RunResult) -> None:
        try:
            for _ in range(15):
                write_run(run, out)
        except BaseException as exc:  # a writer must never fail because the other one is writing
            errors.append(exc)

    writers = [threading.Thread(target=write, args=(run,)) for run in (result, other)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert not errors
    journal = read_journal(out)
    winner = result if journal.seed == 1 else other
    assert journal.trace_digest == winner.journal.trace_digest
    assert pd.read_parquet(out / "tasks.parquet").equals(winner.tables["tasks"].reset_index(drop=True))
    assert sorted(path.name for path in tmp_path.iterdir()) == ["run"]  # no staging or retired folder left
