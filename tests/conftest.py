"""Shared fixtures: scenario documents, a temporary working folder, and the shipped scenarios' runs."""
from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import yaml

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


@pytest.fixture(scope="session")
def shipped_suite(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> ShippedSuite:
    """The shipped suite's runs, made once per test session for every test that checks them (their digests, their
    reports), also when pytest-xdist spreads those tests over several processes: the first process to ask makes
    them under a lock in the session's shared temporary folder, the others read its statuses there."""
    from filelock import FileLock

    from chaosbench.sim.scenario.discovery import load_suite
    from chaosbench.sim.scenario.loader import load_scenario

    names = sorted(load_scenario(path).name for path in load_suite(CANARY_SUITE)[1])
    if worker_id == "master":
        out = tmp_path_factory.mktemp("shipped")
        return ShippedSuite(*_run_shipped_suite(out), out, names)
    shared = tmp_path_factory.getbasetemp().parent
    out, statuses = shared / "shipped", shared / "shipped.json"
    with FileLock(str(shared / "shipped.lock")):
        if not statuses.exists():
            statuses.write_text(json.dumps(_run_shipped_suite(out)), encoding="utf-8")
        suite_status, report_status = json.loads(statuses.read_text(encoding="utf-8"))
    return ShippedSuite(suite_status, report_status, out, names)
