"""Reports of runs held in memory: every loader and ``write_reports`` take a RunResult as they take a folder."""
from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from chaosbench.reports import (
    KEY_COLUMNS,
    PROBE_COLUMNS,
    RUN_COLUMNS,
    SAFEGUARD_COLUMNS,
    find_runs,
    load_counts,
    load_probes,
    load_runs,
    load_safeguards,
    load_table,
    write_reports,
)
from chaosbench.sim.run.record import RunResult
from chaosbench.sim.run.rundir import write_run
from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.scenario.loader import scenario_from_document
from tests.conftest import ROOT, mmc_document


def _run(seed: int, **overrides: object) -> RunResult:
    document = mmc_document(duration="120s", warmup="10s", **overrides)
    return run_scenario(scenario_from_document(document, f"{document['name']}.yaml"), seed=seed,
                        file=f"{document['name']}.yaml")


@pytest.fixture(scope="module")
def held() -> list[RunResult]:
    """Two passing runs of mmc_small and a canary that fails, none of them written anywhere."""
    canary = {"name": "canary", "tags": ["canary"], "steady_state": [{"latency": {"max": "1ms"}}]}
    return [_run(1), _run(2), _run(1, **canary)]


def test_load_runs_of_runs_in_memory_matches_the_same_runs_read_from_disk(held, tmp_path):
    in_memory = load_runs(held)
    for result in held:
        write_run(result, tmp_path / result.journal.scenario / f"seed{result.journal.seed}")
    from_disk = load_runs(tmp_path)
    assert list(in_memory.columns) == list(RUN_COLUMNS) and len(in_memory) == 3
    assert (in_memory["run_dir"] == "").all()
    shared = [column for column in RUN_COLUMNS if column != "run_dir"]
    pd.testing.assert_frame_equal(in_memory[shared], from_disk[shared])


def test_one_run_in_memory_is_one_row(held):
    runs = load_runs(held[2])
    assert len(runs) == 1 and runs.iloc[0]["canary"] and not runs.iloc[0]["passed"]


def test_probes_counts_safeguards_and_tables_of_runs_in_memory(held):
    probes = load_probes(held)
    assert list(probes.columns) == list(PROBE_COLUMNS) and len(probes) == 3
    assert probes.loc[probes["scenario"] == "canary", "passed"].tolist() == [False]
    counts = load_counts(held)
    assert list(counts.columns[:4]) == list(KEY_COLUMNS)
    assert counts["tasks_created"].tolist() == [len(result.tasks) for result in sorted(
        held, key=lambda result: (result.journal.scenario, result.journal.seed))]
    assert list(load_safeguards(held).columns) == list(SAFEGUARD_COLUMNS)
    series = load_table(held, "timeseries")
    assert len(series) == sum(len(result.timeseries) for result in held)
    assert load_table(held, "faults").empty


def test_a_run_given_twice_counts_once_and_runs_in_memory_mix_with_folders(held, tmp_path):
    write_run(held[0], tmp_path / "written")
    assert len(find_runs([held[0], held[0]])) == 1
    assert len(find_runs([tmp_path, held[1]])) == 2


def test_write_reports_of_runs_in_memory_writes_every_report(held, tmp_path):
    report = write_reports(held, html=tmp_path / "r.html", md=tmp_path / "r.md", junit=tmp_path / "r.xml")
    assert report.source == "runs held in memory"
    assert [section.healthy for section in report.sections] == [True, True]
    assert "canary failed as it must" in (tmp_path / "r.md").read_text()
    assert "<img" in (tmp_path / "r.html").read_text()
    assert (tmp_path / "r.xml").read_text().count("<testcase") == 3


def test_importing_the_reports_loads_neither_simpy_nor_matplotlib_nor_the_stack():
    code = ("import sys, chaosbench.reports; print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('simpy', 'matplotlib') or m.startswith('chaosbench.orchestration')))")
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
