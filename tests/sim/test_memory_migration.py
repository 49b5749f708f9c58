"""Upgrading a memory database written before the layout had a version, and refusing a newer one."""
from __future__ import annotations

import sqlite3

import pytest

from chaosbench.cli.main import main
from chaosbench.sim.difficulty.memory import MemoryDB, load_schemas
from chaosbench.sim.difficulty.schema import SCHEMA_VERSION
from chaosbench.sim.scenario.loader import ScenarioError
from tests.conftest import ROOT

#: The layout the memory database had before it was versioned: eight tables, no user_version.
FIRST_LAYOUT = """
CREATE TABLE runs (run_id INTEGER PRIMARY KEY, scenario TEXT NOT NULL, file TEXT, level INTEGER NOT NULL,
  seed INTEGER NOT NULL, passed INTEGER NOT NULL, trace_digest TEXT NOT NULL, sim_time REAL, wall_time_s REAL,
  events_processed INTEGER, started_at TEXT NOT NULL, round INTEGER, run_dir TEXT, failed_probes TEXT,
  broken_invariants TEXT, findings TEXT, reproduce TEXT);
CREATE TABLE scenario_levels (scenario TEXT PRIMARY KEY, level INTEGER NOT NULL, streak INTEGER NOT NULL,
  max_level INTEGER, escalate_after INTEGER, updated_at TEXT NOT NULL);
CREATE TABLE memory_execution_logs (execution_id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL,
  command_type TEXT NOT NULL, component TEXT NOT NULL, status TEXT NOT NULL, started_at TEXT NOT NULL,
  completed_at TEXT, duration_ms REAL, exit_code INTEGER, error_message TEXT, resource_usage TEXT,
  post_mortem_findings TEXT, remediation_applied TEXT);
CREATE TABLE memory_coding_work_orders (work_order_id INTEGER PRIMARY KEY, title TEXT NOT NULL,
  task_type TEXT NOT NULL, status TEXT NOT NULL, scenario TEXT NOT NULL, safeguard TEXT NOT NULL,
  affected_files TEXT, description TEXT, created_at TEXT NOT NULL, first_run_id INTEGER, occurrences INTEGER NOT NULL);
CREATE TABLE memory_governance_decisions (decision_id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL,
  decision_type TEXT NOT NULL, subject TEXT NOT NULL, decision_maker TEXT, decision_outcome TEXT NOT NULL,
  risk_level TEXT, count INTEGER NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE memory_self_healing_playbooks (playbook_name TEXT PRIMARY KEY, trigger_conditions TEXT, actions TEXT,
  success_rate REAL NOT NULL, total_runs INTEGER NOT NULL, successful_runs INTEGER NOT NULL, last_used_at TEXT,
  avg_execution_time_ms REAL, trust_score REAL, risk_level TEXT, requires_approval INTEGER);
CREATE TABLE memory_trigger_mesh (trigger_name TEXT PRIMARY KEY, event_type TEXT, enabled INTEGER,
  total_triggers INTEGER NOT NULL, successful_triggers INTEGER NOT NULL, failed_triggers INTEGER NOT NULL,
  avg_execution_time_ms REAL, last_triggered_at TEXT);
CREATE TABLE memory_verification_suites (suite_name TEXT PRIMARY KEY, suite_type TEXT NOT NULL,
  component_under_test TEXT, test_cases TEXT, passed_tests INTEGER NOT NULL, failed_tests INTEGER NOT NULL,
  skipped_tests INTEGER NOT NULL, total_runs INTEGER NOT NULL, last_run_status TEXT, last_run_at TEXT,
  linked_fixes TEXT, auto_run INTEGER);
INSERT INTO runs (scenario, level, seed, passed, trace_digest, started_at, findings)
  VALUES ('worker_dropout', 2, 7, 1, 'abc', '2026-01-01T00:00:00', '["slow recovery"]');
INSERT INTO scenario_levels VALUES ('worker_dropout', 2, 3, 10, 5, '2026-01-01T00:00:00');
INSERT INTO memory_trigger_mesh (trigger_name, event_type, enabled, total_triggers, successful_triggers,
  failed_triggers) VALUES ('kpi_critical_healing', 'kpi.threshold_breach', 1, 40, 38, 2);
"""


def first_layout_db(path, script: str = FIRST_LAYOUT):
    connection = sqlite3.connect(path)
    connection.executescript(script)
    connection.close()
    return path


def test_a_first_layout_database_is_upgraded_in_place_and_keeps_its_rows(tmp_path):
    path = first_layout_db(tmp_path / "old.sqlite")
    with MemoryDB(path) as db:
        runs = db.query("runs")
        levels = db.query("scenario_levels")
        triggers = db.query("memory_trigger_mesh")
        for table in load_schemas():
            db.query(table)  # every table of the current layout exists with every field
    assert runs.iloc[0]["findings"] == ["slow recovery"] and runs.iloc[0]["seed"] == 7
    assert (levels.iloc[0]["level"], levels.iloc[0]["streak"]) == (2, 3)
    row = triggers.iloc[0]
    assert (row["total_triggers"], row["failed_triggers"]) == (40, 2)
    assert row["routing_rules"] is None  # a field added by the upgrade, empty for the rows already there
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_an_upgrade_that_cannot_finish_leaves_the_database_as_it_was(tmp_path):
    # A trigger_mesh table without its required total_triggers cannot be upgraded: existing rows have no value.
    broken = (FIRST_LAYOUT.replace("total_triggers INTEGER NOT NULL, ", "")
              .replace("enabled, total_triggers, successful_triggers", "enabled, successful_triggers")
              .replace("1, 40, 38, 2", "1, 38, 2"))
    path = first_layout_db(tmp_path / "old.sqlite", broken)
    with pytest.raises(ScenarioError, match="lacks the required field 'total_triggers'"):
        MemoryDB(path)
    with sqlite3.connect(path) as connection:
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        columns = {row[1] for row in connection.execute("PRAGMA table_info(memory_execution_logs)")}
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 0
    assert "memory_documents" not in tables and len(tables) == 8
    assert "linked_playbook_id" not in columns


def test_a_database_of_a_newer_layout_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "new.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(ScenarioError, match=f"layout version {SCHEMA_VERSION + 1} is newer"):
        MemoryDB(path)
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0


def test_the_cli_reports_a_newer_database_as_bad_input(tmp_path, capsys):
    path = tmp_path / "new.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    code = main(["suite", str(ROOT / "scenarios/suites/smoke.yaml"), "--db", str(path),
                 "--out", str(tmp_path / "runs")])
    assert code == 2
    assert "newer than this chaosbench writes" in capsys.readouterr().err
