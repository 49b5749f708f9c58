"""The memory database: schemas, transactions, and surviving a killed writer."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from chaosbench.sim.difficulty.memory import MemoryDB, load_schemas
from chaosbench.sim.scenario.loader import ScenarioError
from tests.conftest import ROOT

RUN = dict(scenario="s", level=0, seed=1, passed=True, trace_digest="d", started_at="2026-01-01T00:00:00")


def test_every_shipped_schema_loads_and_creates_its_table(tmp_path):
    schemas = load_schemas()
    assert {"runs", "scenario_levels", "memory_execution_logs", "memory_verification_suites",
            "memory_self_healing_playbooks", "memory_coding_work_orders", "memory_governance_decisions",
            "memory_trigger_mesh"} <= set(schemas)
    with MemoryDB(tmp_path / "m.sqlite") as db:
        for table in schemas:
            assert db.query(table).empty


def test_json_and_boolean_fields_round_trip(tmp_path):
    with MemoryDB(tmp_path / "m.sqlite") as db:
        db.insert("runs", {**RUN, "findings": ["slow recovery"], "passed": False})
        runs = db.query("runs")
    assert runs.iloc[0]["findings"] == ["slow recovery"]
    assert runs["passed"].dtype == bool and not runs.iloc[0]["passed"]


def test_unknown_field_and_bad_choice_are_refused(tmp_path):
    with MemoryDB(tmp_path / "m.sqlite") as db:
        with pytest.raises(ValueError, match="did you mean 'scenario'"):
            db.insert("runs", {**RUN, "scenaro": "x"})
        with pytest.raises(ValueError, match="must be one of passed, failed"):
            db.insert("memory_execution_logs", {"run_id": 1, "command_type": "c", "component": "x",
                                                "status": "maybe", "started_at": "t"})


def test_a_failed_transaction_leaves_nothing_behind(tmp_path):
    with MemoryDB(tmp_path / "m.sqlite") as db:
        with pytest.raises(ValueError):
            with db.transaction():
                db.insert("runs", RUN)
                db.insert("runs", {**RUN, "nonsense": 1})
        assert db.query("runs").empty


def test_a_bad_schema_file_is_reported_with_its_field(tmp_path):
    (tmp_path / "t.yaml").write_text("table: t\nfields:\n  - {name: a, type: integr}\n")
    with pytest.raises(ScenarioError) as caught:
        load_schemas(tmp_path)
    assert "fields[0].type" in caught.value.render() and "t.yaml" in caught.value.render()


def test_a_writer_killed_mid_recording_leaves_every_earlier_run_intact(tmp_path):
    db_path = tmp_path / "m.sqlite"
    writer = textwrap.dedent(f"""
        import sys
        from chaosbench.sim.difficulty.memory import MemoryDB
        db = MemoryDB({str(db_path)!r})
        i = 0
        while True:
            with db.transaction():
                run_id = db.insert("runs", dict(scenario="s", level=0, seed=i, passed=True,
                                                trace_digest="d", started_at="t"))
                for _ in range(50):  # a run's rows are many; all or none must land
                    db.insert("memory_execution_logs", dict(run_id=run_id, command_type="c", component="s",
                                                            status="passed", started_at="t"))
            i += 1
            if i == 20:
                print("ready", flush=True)
    """)
    process = subprocess.Popen([sys.executable, "-c", writer], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    time.sleep(0.3)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    connection = sqlite3.connect(db_path)
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    connection.close()
    with MemoryDB(db_path) as db:
        runs = db.query("runs")
        logs = db.query("memory_execution_logs")
    assert len(runs) >= 20
    assert logs.groupby("run_id").size().eq(50).all()
    assert set(logs["run_id"]) == set(runs["run_id"])
