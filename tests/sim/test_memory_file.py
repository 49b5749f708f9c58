"""--db opens only a chaosbench memory database: a foreign file is refused, exit 2, and left byte for byte."""
from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
import yaml

from chaosbench.cli.main import main
from chaosbench.sim.difficulty.dbfile import APPLICATION_ID
from chaosbench.sim.difficulty.memory import MemoryDB
from chaosbench.sim.scenario.loader import ScenarioError
from tests.conftest import mmc_document
from tests.sim.test_memory_migration import first_layout_db


def _fingerprint(folder: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(folder.iterdir())}


def _application_id(path: Path) -> int:
    with closing(sqlite3.connect(path)) as connection:
        return int(connection.execute("PRAGMA application_id").fetchone()[0])


@pytest.fixture
def suite_args(tmp_path):
    scenario = tmp_path / "small.yaml"
    scenario.write_text(yaml.safe_dump(mmc_document(duration="30s", warmup="0s")), encoding="utf-8")
    return ["suite", str(scenario), "--out", str(tmp_path / "runs")]


def test_another_programs_database_is_refused_and_not_touched(tmp_path, suite_args, capsys):
    folder = tmp_path / "data"
    folder.mkdir()
    foreign = folder / "app.sqlite"
    with closing(sqlite3.connect(foreign)) as connection, connection:
        connection.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        connection.execute("INSERT INTO users (name) VALUES ('ada')")
    before = _fingerprint(folder)
    assert main([*suite_args, "--db", str(foreign)]) == 2
    err = capsys.readouterr().err
    assert f"{foreign}: is a SQLite database of another program" in err and "tables users" in err
    assert _fingerprint(folder) == before  # no byte changed, no -wal or -shm file beside it
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("content", [b"name,value\na,1\n", b"SQLite format 3\x00" + b"\xff" * 200])
def test_a_file_that_is_no_database_is_refused_and_not_touched(tmp_path, suite_args, capsys, content):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "memory.sqlite").write_bytes(content)
    assert main([*suite_args, "--db", str(folder / "memory.sqlite")]) == 2
    assert "nothing was written to it" in capsys.readouterr().err
    assert (folder / "memory.sqlite").read_bytes() == content and len(list(folder.iterdir())) == 1


def test_a_new_or_empty_file_becomes_a_marked_memory_database(tmp_path):
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    for path in (tmp_path / "new.sqlite", empty):
        MemoryDB(path).close()
        assert _application_id(path) == APPLICATION_ID


def test_an_older_database_is_recognised_by_its_tables_marked_and_upgraded(tmp_path):
    path = first_layout_db(tmp_path / "old.sqlite")
    with MemoryDB(path) as db:
        assert db.query("runs").iloc[0]["seed"] == 7
    assert _application_id(path) == APPLICATION_ID


def test_a_marked_database_of_a_newer_layout_is_refused_before_anything_is_written(tmp_path):
    path = tmp_path / "newer.sqlite"
    with closing(sqlite3.connect(path)) as connection:
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.execute("PRAGMA user_version = 99")
    before = path.read_bytes()
    with pytest.raises(ScenarioError, match="layout version 99 is newer"):
        MemoryDB(path)
    assert path.read_bytes() == before


def test_a_folder_as_database_is_refused(tmp_path, suite_args, capsys):
    assert main([*suite_args, "--db", str(tmp_path)]) == 2
    assert "is a folder, expected a memory database file" in capsys.readouterr().err
