"""Seeded streams, the column recorder and the trace."""
from __future__ import annotations

import os
import subprocess
import sys

import pyarrow as pa
import pytest

from chaosbench.sim.run.runtime import ColumnTable, Recorder, SimRuntime, Trace, derive_seed


def test_a_stream_does_not_depend_on_which_other_streams_exist():
    alone = SimRuntime(3).rng("arrivals").random()
    crowded = SimRuntime(3)
    crowded.rng("service").random()
    assert crowded.rng("arrivals").random() == alone


def test_streams_differ_by_name_and_by_seed():
    assert derive_seed(1, "a") != derive_seed(1, "b")
    assert derive_seed(1, "a") != derive_seed(2, "a")


def test_derived_seeds_are_fixed_forever():
    # A change here silently changes every recorded digest.
    assert f"{derive_seed(0, 'x'):016x}" == "132e75f083a582e0"


def test_column_table_keeps_typed_columns_and_builds_a_frame():
    table = ColumnTable(("id", "time", "label"))
    table.append(1, 0.5, "a")
    table.append(2, 1.5, "b")
    frame = table.frame()
    assert list(frame.columns) == ["id", "time", "label"]
    assert frame["id"].dtype == "int64" and frame["time"].dtype == "float64"
    assert frame["label"].tolist() == ["a", "b"]


def test_recorder_refuses_a_table_redefined_with_other_columns():
    recorder = Recorder()
    recorder.table("t", ("a",))
    with pytest.raises(ValueError):
        recorder.table("t", ("b",))


def test_trace_digest_depends_on_every_record_and_its_order():
    def digest(records):
        trace = Trace(chunk=2)
        for record in records:
            trace.emit(*record)
        return trace.digest()

    base = [(0.0, "start", 1), (1.0, "finish", 1), (1.5, "start", 2)]
    assert digest(base) == digest(list(base))
    assert digest(base) != digest(base[::-1])
    assert digest(base) != digest(base[:2])


def test_a_column_widens_instead_of_refusing_a_value():
    table = ColumnTable(("n",))
    table.append(1)
    table.append(2.5)
    table.append("x")
    assert table.frame()["n"].tolist() == [1, 2.5, "x"]


def test_a_row_with_too_few_or_too_many_values_is_refused_by_name():
    for row in [(1,), (1, 2.5, "a", "extra")]:
        table = ColumnTable(("id", "time", "label"), name="t")
        table.append(0, 0.5, "ok")
        table.add(row)
        with pytest.raises(ValueError, match="table 't': every row needs 3 values"):
            table.frame()


def test_a_row_handed_over_whole_is_recorded_like_one_listed_value_by_value():
    listed, whole = ColumnTable(("id", "label")), ColumnTable(("id", "label"))
    listed.append(7, "x")
    whole.add((7, "x"))
    assert listed.frame().equals(whole.frame())


def test_arrow_allocates_with_jemalloc_unless_the_environment_names_an_allocator():
    try:
        pa.jemalloc_memory_pool()
    except NotImplementedError:
        pytest.skip("this pyarrow was built without jemalloc")
    script = "import pyarrow as pa, chaosbench.sim.run.columns; print(pa.default_memory_pool().backend_name)"
    environment = {key: value for key, value in os.environ.items() if key != "ARROW_DEFAULT_MEMORY_POOL"}
    chosen = [subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                             check=True).stdout.strip()
              for env in (environment, {**environment, "ARROW_DEFAULT_MEMORY_POOL": "mimalloc"})]
    assert chosen == ["jemalloc", "mimalloc"]
