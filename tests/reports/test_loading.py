"""Loading run directories and the memory database as DataFrames."""
from __future__ import annotations

import shutil
import sqlite3

import pandas as pd
import pytest

from chaosbench.reports import (
    KEY_COLUMNS,
    PROBE_COLUMNS,
    RUN_COLUMNS,
    find_runs,
    load_memory,
    load_probes,
    load_runs,
    load_table,
)


def test_load_runs_finds_every_run_at_any_depth_with_the_documented_columns(results):
    runs = load_runs(results)
    assert list(runs.columns) == list(RUN_COLUMNS)
    assert len(runs) == 7
    assert sorted(runs["scenario"].unique()) == ["burst", "canary", "mmc_small"]
    assert runs.set_index(["scenario", "level", "seed"]).loc[("mmc_small", 1, 2), "passed"]
    assert runs["passed"].dtype == bool and runs["level"].dtype.kind == "i"


def test_a_run_directory_alone_loads_as_one_row(results):
    runs = load_runs(results / "canary" / "level0-seed1")
    assert len(runs) == 1
    row = runs.iloc[0]
    assert row["scenario"] == "canary" and row["canary"] and not row["passed"]
    assert row["verdict"] == "expected failure" and row["ok"]
    assert row["failed_probes"] == ["latency[end_to_end p99]"] and row["probes"] == 2 and row["probes_failed"] == 1
    assert "--seed 1 --level 0" in row["reproduce"]


def test_recovery_time_is_measured_from_the_faults_table_when_the_journal_has_none(results):
    runs = load_runs(results).set_index("scenario")
    burst = runs.loc["burst"]
    assert (burst["faults"] == 1).all()
    # The queue built during the one-minute flood drains some minutes after it (0 < t < run's rest).
    assert ((burst["recovery_time_s"] > 30) & (burst["recovery_time_s"] < 340)).all()
    assert runs.loc["mmc_small", "recovery_time_s"].isna().all()


def test_the_sla_compliance_column_agrees_with_the_runs_own_probe(results):
    runs = load_runs(results)
    probes = load_probes(results)
    for run_dir, value in probes[probes["probe"] == "sla_compliance"][["run_dir", "value"]].itertuples(index=False):
        if "mmc_small" in run_dir:
            assert runs.set_index("run_dir").loc[run_dir, "sla_compliance"] == pytest.approx(value)


def test_load_probes_has_one_row_per_probe_per_run(results):
    probes = load_probes(results)
    assert list(probes.columns) == list(PROBE_COLUMNS)
    assert len(probes) == 4 * 1 + 2 * 3 + 1 * 2
    failed = probes[~probes["passed"]]
    assert failed[["scenario", "probe"]].values.tolist() == [["canary", "latency[end_to_end p99]"]]
    (latency,) = failed.itertuples(index=False)
    assert (latency.kind, latency.params, latency.unit, latency.op, latency.bound) == (
        "latency", {"quantile": 0.99, "measure": "end_to_end"}, "s", "<=", 0.001)
    assert latency.margin == pytest.approx(0.001 - latency.value) and latency.margin < 0


def test_two_probes_of_one_kind_load_as_two_rows_by_id(results):
    probes = load_probes(results)
    burst = probes[probes["scenario"] == "burst"]
    assert sorted(set(burst["probe"])) == ["max_queue_depth", "sla_compliance[critical]", "sla_compliance[high]"]
    assert len(burst) == 2 * 3


def test_optional_tables_stack_across_runs_and_a_missing_table_gives_no_rows(results):
    faults = load_table(results, "faults")
    assert list(faults.columns[:4]) == list(KEY_COLUMNS)
    assert set(faults["scenario"]) == {"burst"} and len(faults) == 2
    assert load_table(results, "no_such_table").empty
    assert find_runs(results)[0].table("no_such_table") is None
    series = load_table(results, "timeseries")
    assert len(series) == 7 * 600


def test_half_written_run_directories_are_skipped(results, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(results / "canary", copy / "canary")
    shutil.copytree(results / "canary" / "level0-seed1", copy / "canary" / ".level0-seed1.tmp")
    assert len(load_runs(copy)) == 1


def test_missing_results_raise_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no results"):
        load_runs(tmp_path / "nowhere")


def test_load_memory_reads_every_table_read_only(memory_db):
    memory = load_memory(memory_db)
    assert set(memory) == {"runs", "scenario_levels"}
    assert isinstance(memory["runs"], pd.DataFrame) and len(memory["runs"]) == 21
    assert {"round", "scenario", "level", "passed"} <= set(memory["runs"].columns)


def test_load_memory_never_writes_to_the_database(memory_db, tmp_path):
    copy = tmp_path / "memory.sqlite"
    shutil.copy(memory_db, copy)
    before = copy.read_bytes()
    load_memory(copy)
    assert copy.read_bytes() == before
    assert not (tmp_path / "memory.sqlite-journal").exists()


def test_load_memory_without_a_database_is_empty(tmp_path):
    assert load_memory(tmp_path / "none.sqlite") == {}
    sqlite3.connect(tmp_path / "empty.sqlite").close()
    assert load_memory(tmp_path / "empty.sqlite") == {}


def test_load_counts_flattens_every_journal_count_per_run(results):
    from chaosbench.reports import load_counts

    counts = load_counts(results)
    assert len(counts) == 7 and list(counts.columns[:4]) == list(KEY_COLUMNS)
    assert {"tasks_created", "tasks_completed", "tasks_in_flight"} <= set(counts.columns)
    assert (counts["tasks_created"] == counts.filter(like="tasks_").drop(columns="tasks_created").sum(axis=1)).all()


def test_load_safeguards_lists_expected_safeguards_even_when_they_never_fired(results):
    from chaosbench.reports import SAFEGUARD_COLUMNS, load_safeguards

    safeguards = load_safeguards(results)
    assert list(safeguards.columns) == list(SAFEGUARD_COLUMNS)
    burst = safeguards[safeguards["scenario"] == "burst"]
    assert burst[["safeguard", "fired", "expected"]].values.tolist() == [["load_shedder", 0, True]] * 2
