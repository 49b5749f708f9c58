"""One handler for every failure: exit 2 for bad input, 3 for the environment, one line each, --debug for the
traceback, a closed pipe ended quietly."""
from __future__ import annotations

import errno
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from chaosbench.cli import main as cli_main
from chaosbench.cli.main import main
from tests.conftest import ROOT, mmc_document


@pytest.fixture
def small(write_scenario) -> Path:
    return write_scenario(mmc_document(duration="60s", warmup="0s"), "small.yaml")


def _unwritable_folder() -> Path:
    """A folder nobody may create files in, as a read-only mount is; /sys refuses even root."""
    for candidate in (Path("/sys"), Path("/proc/sys")):
        try:
            (candidate / "chaosbench-probe").mkdir()
        except OSError:
            return candidate
        (candidate / "chaosbench-probe").rmdir()
    pytest.skip("no unwritable folder on this machine")


def test_a_full_disk_while_writing_a_run_exits_3_and_keeps_the_earlier_run(small, tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    assert main(["run", str(small), "--out", str(out)]) == 0
    before = {path.name: path.read_bytes() for path in out.iterdir()}

    def full(self, path, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    capsys.readouterr()
    assert main(["run", str(small), "--out", str(out), "--seed", "2"]) == 3
    err = capsys.readouterr().err
    assert "No space left on device" in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["run", "small.yaml"]  # no staging folder left


def test_a_report_onto_a_full_device_exits_3(small, tmp_path, capsys):
    main(["run", str(small), "--out", str(tmp_path / "runs" / "one")])
    capsys.readouterr()
    assert main(["report", str(tmp_path / "runs"), "--md", "/dev/full"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("/dev/full: No space left on device")


def test_an_out_folder_that_cannot_be_created_exits_3(small, capsys):
    assert main(["run", str(small), "--out", str(_unwritable_folder() / "chaosbench" / "run")]) == 3
    assert "Traceback" not in capsys.readouterr().err


def test_a_memory_database_that_cannot_be_created_exits_3(small, tmp_path, capsys):
    code = main(["suite", str(small), "--out", str(tmp_path / "runs"), "--db", str(_unwritable_folder() / "m.sqlite")])
    assert code == 3
    assert "cannot open the memory database" in capsys.readouterr().err


def test_debug_adds_the_traceback_and_keeps_the_exit_status(tmp_path, capsys):
    missing = str(tmp_path / "missing.yaml")
    assert main(["run", missing]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert main(["run", missing, "--debug"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and err.rstrip().endswith(f"{missing}: no such file")
    assert main(["--debug", "run", missing]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_a_defect_is_one_line_asking_for_debug_never_a_failed_scenario(monkeypatch, small, capsys):
    def broken(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(cli_main.COMMANDS["run"], "run", broken)
    assert main(["run", str(small)]) == 70
    assert capsys.readouterr().err.strip() == ("chaosbench: internal error: ZeroDivisionError: division by zero; "
                                               "rerun with --debug for the traceback")


def test_a_closed_standard_output_ends_quietly():
    process = subprocess.Popen([sys.executable, "-m", "chaosbench", "workflows", "list", "--json"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # the reader went away before the first line, as `| head -0` does
    err = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141
    assert err == ""


def test_piping_into_head_prints_what_head_asks_for(tmp_path):
    shell = f"{sys.executable} -m chaosbench validate {ROOT / 'scenarios'} --json | head -c 20"
    completed = subprocess.run(["bash", "-o", "pipefail", "-c", shell], capture_output=True, text=True, cwd=ROOT,
                               check=False)
    assert completed.stdout == '{\n  "schema": "chaosbench/validate/v1",\n'[:20]
    assert "Traceback" not in completed.stderr and "Exception ignored" not in completed.stderr
