"""The memory database on PostgreSQL (a real server, started by the test with pgserver) beside SQLite: the same
tables, columns and layout version, read back alike, and two loops writing one database at once losing no
update."""
from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import yaml

from chaosbench.cli.main import main
from chaosbench.reports.memory import load_memory
from chaosbench.sim.difficulty.dbfile import MemoryUnavailable
from chaosbench.sim.difficulty.ladder import Standing
from chaosbench.sim.difficulty.memory import MemoryDB
from chaosbench.sim.difficulty.schema import SCHEMA_VERSION, load_schemas
from chaosbench.sim.scenario.model import Difficulty
from tests.conftest import ROOT, mmc_document

pgserver = pytest.importorskip("pgserver")
psycopg = pytest.importorskip("psycopg")

LADDER = {"escalate_after": 2, "scale": {"workload.0.tasks.rate": 1.05}, "max_level": 3}
ROUNDS = 3


@pytest.fixture(scope="module")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address of a PostgreSQL server of its own, stopped and removed afterwards."""
    server = pgserver.get_server(tmp_path_factory.mktemp("pgdata"), cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


@pytest.fixture
def database(postgres: str) -> str:
    """A new, empty database on the server, for one test."""
    name = f"chaosbench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    base, _, options = postgres.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}?{options}"


def _columns(db: MemoryDB) -> dict[str, list[str]]:
    return {table: list(db.query(table).columns) for table in sorted(db.schemas)}


def test_postgres_holds_the_tables_columns_and_layout_version_of_sqlite(database: str, tmp_path: Path):
    with MemoryDB(tmp_path / "memory.sqlite") as sqlite, MemoryDB(database) as shared:
        assert _columns(shared) == _columns(sqlite)
        assert shared._db.version() == sqlite._db.version() == SCHEMA_VERSION
        assert set(load_memory(database)) == set(load_schemas())


def test_an_unreachable_server_is_the_environments_failure_named_without_its_password():
    with pytest.raises(MemoryUnavailable) as raised:
        MemoryDB("postgresql://ci:secret@127.0.0.1:9/history")
    assert "postgresql://ci@127.0.0.1:9/history" in str(raised.value) and "secret" not in str(raised.value)


def test_rows_written_to_either_database_read_back_alike(database: str, tmp_path: Path):
    frames = {}
    for name, location in (("sqlite", tmp_path / "memory.sqlite"), ("postgres", database)):
        with MemoryDB(location) as db:
            first = db.insert("runs", {"scenario": "a", "level": 0, "seed": 7, "passed": True, "trace_digest": "d",
                                       "started_at": "2026-01-01T00:00:00", "findings": ["slow"], "sim_time": 1.5})
            second = db.insert("runs", {"scenario": "b", "level": 1, "seed": 8, "passed": False,
                                        "trace_digest": "e", "started_at": "2026-01-02T00:00:00"})
            db.upsert("scenario_levels", {"scenario": "a", "level": 1, "streak": 0, "updated_at": "t"})
            db.upsert("scenario_levels", {"scenario": "a", "level": 1, "streak": 1, "updated_at": "u"})
            assert (first, second) == (1, 2)
            frames[name] = (db.query("runs", order_by="run_id"), db.get("scenario_levels", "a"))
    pd.testing.assert_frame_equal(frames["postgres"][0], frames["sqlite"][0])
    assert frames["postgres"][1] == frames["sqlite"][1]


def test_a_newer_layout_on_postgres_is_refused(database: str):
    with MemoryDB(database) as db:
        db._db.set_version(SCHEMA_VERSION + 1)
    with pytest.raises(Exception, match="newer than this chaosbench writes"):
        MemoryDB(database)


def _suite(tmp_path: Path) -> Path:
    names = []
    for name in ("alpha", "beta"):
        document = mmc_document(name=name, duration="300s", warmup="30s", difficulty=LADDER)
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
        names.append(f"{name}.yaml")
    suite = tmp_path / "suite.yaml"
    suite.write_text(yaml.safe_dump({"name": "pair", "scenarios": names}), encoding="utf-8")
    return suite


def _two_loops_at_once(suite: Path, db: str, tmp_path: Path) -> None:
    loops = [subprocess.Popen([sys.executable, "-m", "chaosbench", "loop", str(suite), "--rounds", str(ROUNDS),
                               "--db", db, "--out", str(tmp_path / f"runs{index}"), "--seed", str(index)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for index in (1, 2)]
    for loop in loops:
        _, stderr = loop.communicate(timeout=600)
        assert loop.returncode in (0, 1), stderr.decode()


def _assert_no_update_lost(db: str) -> None:
    with MemoryDB(db) as memory:
        runs = memory.query("runs", order_by="run_id")
        levels = memory.query("scenario_levels")
    assert runs.groupby("scenario").size().to_dict() == {"alpha": 2 * ROUNDS, "beta": 2 * ROUNDS}
    ladder = Difficulty.model_validate(LADDER)
    for scenario, recorded in runs.groupby("scenario", sort=True):
        replayed = Standing(0, 0)
        for run in recorded.itertuples():  # in the order the runs were recorded
            if run.level == replayed.level:
                replayed = replayed.after(bool(run.passed), ladder)
        row = levels[levels["scenario"] == scenario].iloc[0]
        assert (int(row["level"]), int(row["streak"])) == (replayed.level, replayed.streak)


@pytest.mark.slow
def test_two_loops_writing_one_postgres_database_at_once_record_every_run_and_lose_no_update(
        database: str, tmp_path: Path):
    _two_loops_at_once(_suite(tmp_path), database, tmp_path)
    _assert_no_update_lost(database)
    page = tmp_path / "report.html"
    assert main(["report", str(tmp_path / "runs1"), "--db", database, "--html", str(page)]) in (0, 1)
    assert "scenario_levels" in load_memory(database) and "alpha" in page.read_text(encoding="utf-8")


@pytest.mark.slow
def test_two_loops_writing_one_sqlite_file_at_once_record_every_run_and_lose_no_update(tmp_path: Path):
    db = str(tmp_path / "memory.sqlite")
    _two_loops_at_once(_suite(tmp_path), db, tmp_path)
    _assert_no_update_lost(db)
