"""suite --workers and --dask: the serial suite's digests, results and memory rows, in scenario order."""
from __future__ import annotations

import json
import sqlite3
from contextlib import closing

import pytest
import yaml

from chaosbench.cli.main import main
from tests.conftest import mmc_document

pytest.importorskip("distributed")


@pytest.fixture
def small_suite(tmp_path):
    names = []
    for name, workers in (("first", 4), ("second", 5), ("third", 6)):
        document = mmc_document(name=name, duration="300s", warmup="30s", stack={"safeguards": "off",
                                                                                  "htm": {"workers": workers}})
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
        names.append(f"{name}.yaml")
    suite = tmp_path / "suite.yaml"
    suite.write_text(yaml.safe_dump({"name": "three", "scenarios": names}), encoding="utf-8")
    return suite


def _suite(capsys, suite, out, *where):
    status = main(["suite", str(suite), "--seeds", "2", "--out", str(out / "runs"), "--db", str(out / "m.sqlite"),
                   "--json", *where])
    captured = capsys.readouterr()
    runs = [(run["scenario"], run["seed"], run["trace_digest"]) for run in json.loads(captured.out)["runs"]]
    with closing(sqlite3.connect(out / "m.sqlite")) as db:
        rows = db.execute("SELECT run_id, scenario, seed, trace_digest FROM runs ORDER BY run_id").fetchall()
        levels = db.execute("SELECT scenario, level, streak FROM scenario_levels ORDER BY scenario").fetchall()
    return status, runs, rows, levels, captured.err


@pytest.mark.parametrize("where", [["--workers", "2"], ["--dask", "local"]])
def test_a_parallel_suite_gives_the_serial_digests_results_and_memory_in_scenario_order(capsys, small_suite,
                                                                                        tmp_path, where):
    serial = _suite(capsys, small_suite, tmp_path / "serial")
    parallel = _suite(capsys, small_suite, tmp_path / "parallel", *where)
    assert parallel[:4] == serial[:4]
    assert [scenario for scenario, _, _ in serial[1]] == ["first", "first", "second", "second", "third", "third"]
    assert len({digest for _, _, digest in serial[1]}) == 6


def test_a_suite_prints_one_line_per_finished_run_when_stderr_is_not_a_terminal(capsys, small_suite, tmp_path):
    *_, err = _suite(capsys, small_suite, tmp_path, "--workers", "2")
    lines = [line for line in err.splitlines() if line.startswith("suite: [")]
    assert sorted(line.split("]")[0] for line in lines) == [f"suite: [{count}/6" for count in range(1, 7)]
    assert all("] ok   " in line and "[level0-seed" in line for line in lines)
