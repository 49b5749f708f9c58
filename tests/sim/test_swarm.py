"""explore --swarm: independent searches over subsets of the fault kinds, run anywhere, failures merged."""
from __future__ import annotations

import json
import time

import pytest

from chaosbench.cli.main import main
from chaosbench.sim.explore.search import explore
from chaosbench.sim.explore.swarm import plan, run_swarm
from chaosbench.sim.parallel.executors import PoolExecutor, SerialExecutor
from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.scenario.loader import load_scenario
from tests.conftest import ROOT
from tests.sim.test_json_envelopes import envelope

FRAGILE = str(ROOT / "scenarios" / "explore" / "two_workers_tight_sla.yaml")
KINDS = ("worker_dropout", "scheduler_pause", "queue_flood")


def test_the_first_search_uses_every_fault_kind_and_the_others_a_subset_drawn_from_their_seed():
    searches = plan(FRAGILE, 6, budget=5, seed=3)
    assert [search.seed for search in searches] == [3, 4, 5, 6, 7, 8]
    assert set(searches[0].kinds) == set(KINDS)
    assert all(search.kinds and set(search.kinds) <= set(KINDS) for search in searches)
    assert len({search.kinds for search in searches}) > 1
    assert plan(FRAGILE, 6, budget=5, seed=3) == searches


def test_a_search_out_of_time_tries_no_schedule():
    result = explore(FRAGILE, budget=50, seed=0, database=None, deadline=time.time() - 1)
    assert result.tally.timed_out and result.tally.runs == 0 and not result.found


def _without_timings(summary: dict) -> dict:
    return json.loads(json.dumps(summary, default=str).replace('"wall_time_s"', '"wall"'),
                      object_hook=lambda data: {key: value for key, value in data.items() if key != "wall"})


def test_a_swarm_merges_failures_by_the_checks_they_break_and_any_executor_gives_the_same(tmp_path):
    searches = plan(FRAGILE, 3, budget=10, seed=0)
    serial = run_swarm(searches, SerialExecutor())
    pool = PoolExecutor(2)
    try:
        pooled = run_swarm(searches, pool)
    finally:
        pool.close()
    assert _without_timings(pooled.summary()) == _without_timings(serial.summary())
    assert serial.found
    found_by = [index for failure in serial.failures for index in failure.found_by]
    assert sorted(found_by) == [index for index, result in enumerate(serial.results) if result.found]
    assert len({failure.checks for failure in serial.failures}) == len(serial.failures)
    for failure, path in zip(serial.failures, serial.write(tmp_path), strict=True):
        fewest = min(len(serial.results[index].minimal.faults) for index in failure.found_by)
        assert len(failure.result.minimal.faults) == fewest
        rerun = run_scenario(load_scenario(path), seed=failure.result.sim_seed, file=str(path)).journal
        assert not rerun.passed
        assert sorted([probe.id for probe in rerun.failed_probes]
                      + [f"invariant {name}" for name in rerun.broken_invariants]) == list(failure.checks)


@pytest.mark.parametrize("where", [["--workers", "2"], []])
def test_the_cli_runs_a_swarm_and_prints_its_merged_failures(capsys, tmp_path, where):
    status = main(["explore", FRAGILE, "--swarm", "2", "--budget", "10", "--no-db", "--out", str(tmp_path),
                   "--json", *where])
    report = envelope(capsys, "swarm")
    assert status == (1 if report["found"] else 0) and report["ok"] is not report["found"]
    assert len(report["searches"]) == 2
    assert all((tmp_path / f"two_workers_tight_sla_explored_{number}.yaml").is_file()
               for number in range(1, len(report["failures"]) + 1))


def test_workers_without_a_swarm_is_bad_input(capsys):
    assert main(["explore", FRAGILE, "--workers", "2"]) == 2
    assert "--swarm" in capsys.readouterr().err
