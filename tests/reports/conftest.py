"""A small results tree made by real runs: passing and failing scenarios, levels, seeds, a fault table, memory."""
from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pandas as pd
import pytest

from chaosbench.sim.run.record import RunResult
from chaosbench.sim.run.rundir import write_run
from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.scenario.loader import scenario_from_document
from tests.conftest import mmc_document

#: The burst scenario's extra load, standing in for a queue flood until fault injectors write their own table.
BURST = {"start": 200.0, "stop": 260.0}


def burst_document() -> dict:
    """Four workers at rho 0.6, with 6/s more arrivals for one minute: the queue grows, then drains."""
    return mmc_document(
        name="burst", title="One minute of more than double load", tags=["flood"],
        workload=[
            {"tasks": {"rate": "2.4/s", "service": {"exponential": "1s"},
                       "priority_mix": {"critical": 0.1, "high": 0.2, "normal": 0.4, "low": 0.3}}},
            {"tasks": {"rate": "6/s", "service": {"exponential": "1s"}, "priority_mix": {"normal": 0.5, "low": 0.5},
                       "start": f"{BURST['start']}s", "stop": f"{BURST['stop']}s"}},
        ],
        steady_state=[{"sla_compliance": {"priority": "critical", "min": 0.9}},
                      {"sla_compliance": {"priority": "high", "min": 0.5}},
                      {"max_queue_depth": {"max": 1000}}],
        expect_safeguards=["load_shedder"],
    )


def canary_document() -> dict:
    """A probe that cannot hold: the 99th percentile of latency under a millisecond at rho 0.8."""
    return mmc_document(name="canary", tags=["canary"],
                        steady_state=[{"latency": {"quantile": 0.99, "max": "1ms"}}, {"throughput": {"min": "1/s"}}])


def _write(document: dict, root: Path, level: int, seed: int) -> Path:
    scenario = scenario_from_document(document, f"scenarios/{document['name']}.yaml", level)
    result = run_scenario(scenario, seed=seed, level=level, file=f"scenarios/{document['name']}.yaml")
    if document["name"] == "burst":
        faults = pd.DataFrame({"kind": ["queue_flood"], "start": [BURST["start"]], "end": [BURST["stop"]],
                               "parameters": ['{"rate": 6}'], "effect": ["queue grew"]})
        journal = result.journal.model_copy(update={"findings": ["queue depth passed 100 tasks during the flood"]})
        result = RunResult(journal, {**result.tables, "faults": faults})
    return write_run(result, root / document["name"] / f"level{level}-seed{seed}")


def _memory(db: Path) -> None:
    with closing(sqlite3.connect(db)) as connection, connection:
        connection.execute("CREATE TABLE runs (run_id TEXT, scenario TEXT, level INTEGER, seed INTEGER, "
                           "passed INTEGER, round INTEGER, started_at TEXT)")
        rows = [(f"r{i}", "mmc_small", min(i // 3, 2), i, int(i != 7), i, f"2026-01-0{1 + i // 5}T0{i % 5}:00:00+00:00")
                for i in range(10)]
        rows += [(f"b{i}", "burst", 0, i, int(i % 2 == 0), i, f"2026-01-0{1 + i // 5}T0{i % 5}:30:00+00:00")
                 for i in range(10)]
        rows += [("o1", "unrelated", 0, 1, 0, None, "2026-01-01T00:00:00+00:00")]
        connection.executemany("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        connection.execute("CREATE TABLE scenario_levels (scenario TEXT, level INTEGER, streak INTEGER)")
        connection.executemany("INSERT INTO scenario_levels VALUES (?, ?, ?)", [("mmc_small", 2, 2), ("burst", 0, 1)])


@pytest.fixture(scope="session")
def results(tmp_path_factory) -> Path:
    """``results/`` with mmc_small at levels 0 and 1 (seeds 1, 2), burst (seeds 1, 2) and the canary (seed 1),
    and ``memory.sqlite`` beside it."""
    root = tmp_path_factory.mktemp("results")
    base = mmc_document(expect_safeguards=[],
                        difficulty={"escalate_after": 2, "scale": {"workload.0.tasks.rate": 1.05}})
    for level in (0, 1):
        for seed in (1, 2):
            _write(base, root / "results", level, seed)
    for seed in (1, 2):
        _write(burst_document(), root / "results", 0, seed)
    _write(canary_document(), root / "results", 0, 1)
    _memory(root / "memory.sqlite")
    return root / "results"


@pytest.fixture(scope="session")
def memory_db(results) -> Path:
    return results.parent / "memory.sqlite"
