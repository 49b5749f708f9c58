"""Runs are identified by their trace digest: same scenario, level and seed, same digest anywhere."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.scenario.model import Scenario
from tests.conftest import ROOT, mmc_document


def _digest_in_subprocess(scenario_file, seed: int, hash_seed: str, out) -> str:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    completed = subprocess.run(
        [sys.executable, "-m", "chaosbench", "run", str(scenario_file), "--seed", str(seed), "--out", str(out),
         "--json"],
        capture_output=True, text=True, env=env, cwd=ROOT, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)["journal"]["trace_digest"]


def test_same_seed_gives_the_same_digest_in_processes_with_different_hash_seeds(write_scenario, tmp_path):
    path = write_scenario(mmc_document(workload=[{"tasks": {
        "rate": "3/s", "service": {"lognormal": {"mean": "1s", "sigma": 0.5}},
        "priority_mix": {"critical": 0.1, "high": 0.2, "normal": 0.4, "low": 0.3}}}]))
    first = _digest_in_subprocess(path, 7, "1", tmp_path / "a")
    second = _digest_in_subprocess(path, 7, "2024", tmp_path / "b")
    assert first == second


def test_different_seeds_give_different_digests():
    scenario = Scenario.model_validate(mmc_document())
    digests = {run_scenario(scenario, seed=seed).journal.trace_digest for seed in (1, 2, 3)}
    assert len(digests) == 3


def test_a_run_repeated_in_one_process_gives_the_same_journal_numbers():
    scenario = Scenario.model_validate(mmc_document())
    first, second = (run_scenario(scenario, seed=5).journal for _ in range(2))
    for key in ("trace_digest", "counts", "probes", "events_processed"):
        assert getattr(first, key) == getattr(second, key)
