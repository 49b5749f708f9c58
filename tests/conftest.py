"""Shared fixtures: scenario documents, a temporary working folder, and the shipped scenarios' runs; how
pytest-xdist shares the work out."""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest
import yaml

if TYPE_CHECKING:
    from chaosbench.sim.run.record import Journal

ROOT = Path(__file__).resolve().parent.parent


def _register_pandas_arrow_types() -> None:
    """Write one Parquet table, so that pandas registers its Arrow extension types with pyarrow now.

    pandas registers them once per process, when its module of them is first imported. pytester's in-process
    runs (the pytest plugin's tests) forget every module first imported inside them; had that module been one,
    the next Parquet write would import it again, pyarrow would refuse to register the types twice, and every
    later Parquet write of the session would fail.
    """
    pd.DataFrame({"x": [1]}).to_parquet(io.BytesIO())


_register_pandas_arrow_types()


def mmc_document(**overrides) -> dict:
    """A small M/M/c scenario document (c = 4, rho = 0.8) with every safeguard off."""
    document = {
        "name": "mmc_small",
        "duration": "600s",
        "warmup": "60s",
        "stack": {"safeguards": "off", "htm": {"workers": 4}},
        "workload": [{"tasks": {"rate": "3.2/s", "service": {"exponential": "1s"}}}],
        "steady_state": [{"sla_compliance": {"min": 0.9}}],
    }
    document.update(overrides)
    return document


@pytest.fixture
def write_scenario(tmp_path: Path):
    """Write a scenario document (dict or raw text) to a file and return its path."""

    def write(document: dict | str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        text = document if isinstance(document, str) else yaml.safe_dump(document, sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path

    return write


#: The default suite and its canary, as CI runs them.
CANARY_SUITE = ROOT / "scenarios" / "suites" / "canary.yaml"


@dataclass(frozen=True)
class ShippedSuite:
    """``chaosbench suite`` on the default suite and its canary (level 0, seed 1) with every report, then
    ``chaosbench report`` on the same runs: both exit statuses, the folder holding what they wrote, and the
    scenarios' names in order."""

    suite_status: int
    report_status: int
    out: Path
    names: list[str]

    def run_dir(self, name: str) -> Path:
        return self.out / "runs" / name / "level0-seed1"


def _run_shipped_suite(out: Path) -> tuple[int, int]:
    from chaosbench.cli.main import main

    with contextlib.redirect_stdout(io.StringIO()):
        suite_status = main(["suite", str(CANARY_SUITE), "--out", str(out / "runs"), "--no-db", "--json",
                             "--html", str(out / "suite.html"), "--md", str(out / "suite.md"),
                             "--junit", str(out / "suite.xml")])
        report_status = main(["report", str(out / "runs"), "--json", "--html", str(out / "report.html"),
                              "--md", str(out / "report.md"), "--junit", str(out / "report.xml")])
    return suite_status, report_status


def _shared_folder(tmp_path_factory: pytest.TempPathFactory, worker_id: str, name: str) -> Path:
    """A folder every test process of the session sees: beside the processes' own temporary folders under
    pytest-xdist, in the session's temporary folder otherwise."""
    if worker_id == "master":
        return tmp_path_factory.getbasetemp() / name
    return tmp_path_factory.getbasetemp().parent / name


def _once(folder: Path, key: str, make: Callable[[], str]) -> str:
    """The text ``make()`` returns, made once per session by whichever test process asks first (under a lock)
    and read back from ``folder`` by every other."""
    from filelock import FileLock

    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder / f"{key}.lock")):
        path = folder / f"{key}.json"
        if not path.exists():
            path.write_text(make(), encoding="utf-8")
        return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def shipped_suite(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> ShippedSuite:
    """The shipped suite's runs, made once per test session for every test that checks them (their digests, their
    reports), also when pytest-xdist spreads those tests over several processes."""
    from chaosbench.sim.scenario.discovery import load_suite
    from chaosbench.sim.scenario.loader import load_scenario

    names = sorted(load_scenario(path).name for path in load_suite(CANARY_SUITE)[1])
    out = _shared_folder(tmp_path_factory, worker_id, "shipped")
    statuses = _once(out, "statuses", lambda: json.dumps(_run_shipped_suite(out)))
    suite_status, report_status = json.loads(statuses)
    return ShippedSuite(suite_status, report_status, out, names)


class SharedRuns:
    """In-memory runs of shipped scenario files, each made once per test session however many tests (in however
    many test processes) judge it: the bite tests, the recorded digests and the default suite's checks run many
    of the same scenario, level, seed and switches."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._journals: dict[str, Journal] = {}

    def journal(self, file: str | Path, seed: int, level: int = 0, without: Iterable[str] = ()) -> Journal:
        """The journal of ``file`` at ``level`` and ``seed`` with the safeguards ``without`` switched off."""
        from chaosbench.sim.run.record import journal_from_json

        relative = Path(file).resolve().relative_to(ROOT).as_posix()
        off = sorted(without)
        key = hashlib.sha256(json.dumps([relative, level, seed, off]).encode()).hexdigest()[:32]
        if key not in self._journals:
            text = _once(self._folder, key, lambda: _run(relative, level, seed, off).model_dump_json())
            self._journals[key] = journal_from_json(text, f"{relative} level {level} seed {seed} without {off}")
        return self._journals[key]

    def passes(self, file: str | Path, seed: int, without: Iterable[str] = ()) -> bool:
        """Whether ``file`` passes at level 0 and ``seed`` with the safeguards ``without`` switched off."""
        return self.journal(file, seed, without=without).passed


def _run(relative: str, level: int, seed: int, without: list[str]) -> Journal:
    from chaosbench.sim.run.runner import run_scenario
    from chaosbench.sim.scenario.loader import read_yaml
    from chaosbench.sim.scenario.overrides import scenario_at

    file = str(ROOT / relative)
    scenario = scenario_at(read_yaml(file), [], file, level, without=without)
    return run_scenario(scenario, seed=seed, level=level, file=file).journal


@pytest.fixture(scope="session")
def shared_runs(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> SharedRuns:
    return SharedRuns(_shared_folder(tmp_path_factory, worker_id, "runs"))


# -- how pytest-xdist shares the tests out (``make test``: ``--dist loadgroup --no-loadscope-reorder``) -------------

_WIDE_SCOPES = ("module", "class", "package", "session")


def _shares_a_fixture(item: pytest.Item) -> bool:
    """Whether ``item`` uses a fixture of these tests made once for several tests, other than this file's own (which
    every test process shares through the session's temporary folder). pytest's and its plugins' own (a temporary
    folder factory, the process's id) cost nothing to make again."""
    definitions = getattr(item, "_fixtureinfo", None)
    if definitions is None:
        return False
    for name in item.fixturenames:
        for definition in definitions.name2fixturedefs.get(name, ()):
            module = getattr(definition.func, "__module__", "")
            if definition.scope in _WIDE_SCOPES and module.startswith("tests.") and module != __name__:
                return True
    return False


def _module_name(item: pytest.Item) -> str:
    module = getattr(item, "module", None)
    return module.__name__ if module is not None else item.nodeid


@pytest.hookimpl(tryfirst=True)  # before xdist's own, which names each test by the group marked here
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep the tests of a file that share a module (or wider) fixture in one process, so that the fixture is made
    once; let every other test go to whichever process is free; and start the slow ones first, so that no core
    idles at the end while one process works through a long test."""
    scopes = [_module_name(item) if _shares_a_fixture(item) else item.nodeid for item in items]
    first: dict[str, int] = {}
    slow: set[str] = set()
    for index, (scope, item) in enumerate(zip(scopes, items, strict=True)):
        first.setdefault(scope, index)
        if item.get_closest_marker("slow") is not None:
            slow.add(scope)
    if config.getoption("loadgroup", False):  # what xdist sets in its test processes under --dist loadgroup
        for scope, item in zip(scopes, items, strict=True):
            if scope != item.nodeid:
                item.add_marker(pytest.mark.xdist_group(scope))
    # The first test that needs the shipped suite's runs goes first of all: one process makes them while the other
    # starts on the slow tests, so that no process waits for them later.
    maker = next((scopes[i] for i, item in enumerate(items) if "shipped_suite" in item.fixturenames), None)
    order = sorted(range(len(items)), key=lambda i: (scopes[i] != maker, scopes[i] not in slow, first[scopes[i]], i))
    items[:] = [items[i] for i in order]

