"""The DataFrames analysts expect: priorities in order of urgency, categorical outcomes and verdicts, lists as
lists, bounds as numbers, booleans, datetimes; in the loaders, the run's own tables and the memory database."""
from __future__ import annotations

import pandas as pd

import chaosbench
from chaosbench.cli.main import main
from chaosbench.reports import load_memory, load_probes, load_runs, load_tasks
from tests.conftest import ROOT, mmc_document

PRIORITIES = ["critical", "high", "normal", "low"]


def test_loaders_sort_priorities_critical_high_normal_low(results):
    for tasks in (load_tasks(results), chaosbench.load_tasks(results), chaosbench.load_table(results, "tasks")):
        assert isinstance(tasks["priority"].dtype, pd.CategoricalDtype) and tasks["priority"].cat.ordered
        assert tasks.sort_values("priority")["priority"].drop_duplicates().tolist() == PRIORITIES
        assert list(tasks.groupby("priority", observed=True).size().index) == PRIORITIES
        assert set(tasks[tasks["priority"] <= "high"]["priority"]) == {"critical", "high"}
        assert isinstance(tasks["outcome"].dtype, pd.CategoricalDtype) and "completed" in set(tasks["outcome"])


def test_the_runs_own_tables_carry_the_types_in_memory_and_on_disk(write_scenario, tmp_path):
    document = mmc_document(duration="120s", warmup="0s", stack={"htm": {"workers": 2}},
                            workload=[{"tasks": {"rate": "1/s", "service": {"exponential": "1s"},
                                                 "priority_mix": {"low": 0.5, "critical": 0.5}}}])
    result = chaosbench.run(write_scenario(document), out=tmp_path / "run")
    for tasks in (result.tasks, pd.read_parquet(tmp_path / "run" / "tasks.parquet")):
        assert tasks["priority"].dtype == pd.CategoricalDtype(PRIORITIES, ordered=True)
        assert tasks.sort_values("priority")["priority"].iloc[0] == "critical"


def test_load_runs_has_lists_a_categorical_verdict_booleans_and_a_datetime(results):
    runs = load_runs(results)
    canary = runs[runs["scenario"] == "canary"].iloc[0]
    assert canary["failed_probes"] == ["latency[end_to_end p99]"] and isinstance(canary["safeguards_missing"], list)
    assert isinstance(runs["verdict"].dtype, pd.CategoricalDtype)
    assert all(runs[column].dtype == bool for column in ("passed", "canary", "ok"))
    assert isinstance(runs["started_at"].dtype, pd.DatetimeTZDtype) and runs["started_at"].notna().all()


def test_load_probes_has_bounds_as_numbers(results):
    probes = load_probes(results)
    assert probes["bound"].dtype == float and probes["value"].dtype == float and probes["passed"].dtype == bool
    assert set(probes["op"]) <= {">=", "<="} and isinstance(probes["op"].dtype, pd.CategoricalDtype)


def test_load_memory_types_columns_as_the_schemas_declare_them(tmp_path):
    db = tmp_path / "memory.sqlite"
    scenario = str(ROOT / "scenarios" / "baseline" / "mmc.yaml")
    assert main(["loop", scenario, "--rounds", "1", "--db", str(db), "--out", str(tmp_path / "runs"), "-q"]) == 0
    memory = load_memory(db)
    runs = memory["runs"]
    assert runs["passed"].dtype == "boolean" and runs["canary"].dtype == "boolean"
    assert str(runs["started_at"].dtype).startswith("datetime64") and runs["started_at"].notna().all()
    assert isinstance(runs["failed_probes"].iloc[0], list)


def test_the_column_reference_is_what_the_code_defines():
    import subprocess
    import sys

    generated = subprocess.run([sys.executable, str(ROOT / "scripts" / "column_reference.py")], capture_output=True,
                               text=True, check=True, cwd=ROOT).stdout
    assert (ROOT / "docs" / "columns.md").read_text(encoding="utf-8") == generated, (
        "regenerate it: python scripts/column_reference.py > docs/columns.md")
