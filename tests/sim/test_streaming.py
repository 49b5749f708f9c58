"""Streamed tables: the same digest, tables and judgement as the same run held in memory."""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chaosbench.sim.checks import rows as rows_module
from chaosbench.sim.checks.invariants import _duplicated
from chaosbench.sim.checks.rows import Rows, quantile
from chaosbench.sim.run import runtime as runtime_module
from chaosbench.sim.run.rundir import read_run, staged_run
from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.run.runtime import ColumnTable
from chaosbench.sim.run.streaming import ParquetSink, run_to_dir
from chaosbench.sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[2]
#: Shipped scenarios that between them record every kind of table: tasks, faults, events, workflows, actions,
#: intents, audit, boot, watchdog, immune.
VARIED = ["scenarios/fit/intent_governance.yaml", "scenarios/fit/multi_fault.yaml",
          "scenarios/dirt/boot_failing_chunks.yaml"]


@pytest.fixture
def small_row_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime_module, "ROW_GROUP", 300)


def _digest(table: ColumnTable) -> str:
    sha = hashlib.sha256()
    table.digest_into(sha)
    return sha.hexdigest()


#: Rows whose columns change kind part-way: ints that become floats, numbers then a None, a None then strings.
WIDENING = [(index, index if index < 700 else index + 0.5, None if index in (0, 950) else index * 2,
             None if index < 400 else f"s{index}", index % 2 == 0) for index in range(1200)]


@pytest.mark.usefixtures("small_row_groups")
def test_a_table_whose_columns_widen_between_row_groups_digests_and_reads_back_as_in_memory(tmp_path: Path) -> None:
    columns = ("id", "time", "mixed", "label", "flag")
    kept = ColumnTable(columns)
    streamed = ColumnTable(columns, "t", sink := ParquetSink(tmp_path))
    for row in WIDENING:
        kept.append(*row)
        streamed.append(*row)
    read_back = streamed.finish().frame()
    assert _digest(streamed) == _digest(kept)
    expected = kept.frame()
    assert len(read_back) == len(expected) == len(WIDENING)
    for column in columns:
        assert read_back[column].tolist() == pytest.approx(expected[column].tolist(), nan_ok=True) \
            if column in ("time", "mixed") else read_back[column].tolist() == expected[column].tolist()
    sink.close()
    assert not (tmp_path / ".digest").exists()


@pytest.mark.usefixtures("small_row_groups")
@pytest.mark.parametrize("file", VARIED)
def test_a_streamed_run_has_the_digest_journal_and_tables_of_the_same_run_in_memory(file: str, tmp_path: Path) -> None:
    scenario = load_scenario(str(ROOT / file), 0)
    held = run_scenario(scenario, seed=1, file=file)
    streamed = run_to_dir(scenario, tmp_path / "run", seed=1, file=file)
    assert streamed.journal.trace_digest == held.journal.trace_digest

    def judged(journal: dict[str, object]) -> dict[str, object]:
        return {key: value for key, value in journal.items() if key not in ("wall_time_s", "context")}

    assert judged(streamed.journal.to_json()) == judged(held.journal.to_json())
    on_disk = read_run(tmp_path / "run")
    assert set(on_disk.tables) == set(held.tables)
    for name, table in held.tables.items():
        # An unordered categorical streamed in row groups lists its values in the order they came: the same values.
        pd.testing.assert_frame_equal(on_disk.tables[name], table, check_dtype=False, check_index_type=False,
                                      check_categorical=False)


def test_a_run_that_fails_part_way_leaves_nothing_behind(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), staged_run(tmp_path / "run") as staging:
        (staging / "tasks.parquet").write_text("half")
        raise RuntimeError("the simulation broke")
    assert list(tmp_path.iterdir()) == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=3000),
       st.integers(1, 12), st.floats(0.0, 1.0))
def test_the_quantile_of_many_chunks_is_numpys_exactly(values: list[float], parts: int, q: float) -> None:
    data = np.asarray(values)
    chunks = np.array_split(data, parts)
    held = rows_module.HELD
    rows_module.HELD = 50  # narrow down several times, as a run of millions of tasks does
    try:
        assert quantile(lambda: iter(chunks), q) == float(np.quantile(data, q))
    finally:
        rows_module.HELD = held


@given(st.lists(st.integers(0, 400), max_size=600), st.integers(1, 7))
def test_duplicated_task_ids_are_counted_across_row_groups_as_in_one_frame(ids: list[int], parts: int) -> None:
    frame = pd.DataFrame({"task_id": ids}, dtype="int64")
    chunks = [frame.iloc[index::parts] for index in range(parts)]
    ordered = pd.concat(chunks)
    assert _duplicated(chunks) == int(ordered["task_id"].duplicated().sum())


def test_rows_count_and_tally_add_up_over_chunks() -> None:
    frame = pd.DataFrame({"outcome": ["completed", "shed", "completed", "failed", "completed"]})
    parts = [frame.iloc[:2], frame.iloc[2:]]
    chunked = Rows(["outcome"], len(frame), lambda columns: parts)
    assert chunked.tally("outcome") == {"completed": 3, "shed": 1, "failed": 1}
    assert chunked.count(["outcome"], lambda chunk: chunk["outcome"] == "completed") == 3
    assert chunked.frame().equals(frame)
