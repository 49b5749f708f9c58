"""Hostile-but-valid scenarios keep their trace digest under another PYTHONHASHSEED and from another folder."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from chaosbench.orchestration.mesh.registry import default_workflow_path
from chaosbench.orchestration.policy.rules import default_rules_path
from tests.conftest import ROOT
from tests.hostile.corpus import small, text

#: Prints the digest of seed 3 of each scenario file named on the command line, as JSON.
DIGESTS = ("import json, sys, chaosbench\n"
           "print(json.dumps([chaosbench.run(f, seed=3).journal.trace_digest for f in sys.argv[1:]]))")


def _hostile_but_valid(folder: Path) -> list[str]:
    """Scenario files that are valid but lean on everything the input may vary: unicode, line endings, a byte
    order mark, aliases and merge keys, mappings in unusual orders, files named relative to the scenario."""
    folder.mkdir(parents=True)
    shutil.copy(default_workflow_path(), folder / "flows.yaml")
    shutil.copy(default_workflow_path(), folder / "flows-later.yaml")
    shutil.copy(default_rules_path(), folder / "rules.yaml")
    unicode = small(name="ünï".encode("ascii", "ignore").decode() + "x-1_b", title="Ünïcødé 🙂 \u202e",
                    description="line\nbreaks\tand tabs", tags=["∞", "canary-not", "a b"])
    (folder / "unicode.yaml").write_bytes(b"\xef\xbb\xbf" + text(unicode).replace(b"\n", b"\r\n"))
    events = small(name="events", stack={"workflows": {"file": "flows.yaml",
                                                       "swaps": [{"at": 10, "file": "flows-later.yaml"}]},
                                         "policy": {"rules_file": "rules.yaml"}},
                   workload=[{"events": {"rate": "30/s", "sources": 7,
                                         "types": {"kpi.threshold_breach": 0.25, "db.table_updated": 0.25,
                                                   "kpi.metric_updated": 0.5},
                                         "payloads": {"kpi.threshold_breach": {
                                             "severity": {"choice": ["CRITICAL", "WARNING"]},
                                             "component_id": {"cycle": {"prefix": "svc_", "count": 5}}}}}},
                             {"tasks": {"rate": "2/s", "service": {"exponential": "0.5s"},
                                        "priority_mix": {"low": 0.25, "critical": 0.25, "normal": 0.5}}}],
                   faults=[{"at": "12s", "trigger_storm": {"rate": "200/s", "for": "3s"}}], steady_state=[])
    (folder / "events.yaml").write_bytes(text(events))
    (folder / "anchors.yaml").write_text(
        "name: anchors\nduration: 30s\n"
        "workload:\n  - tasks: {rate: 2/s, service: &service {exponential: 1s}}\n"
        "  - tasks:\n      <<: {rate: 1/s, service: *service}\n      priority_mix: {high: 0.5, normal: 0.5}\n"
        "stack: {htm: {workers: 3}, safeguards: off}\n", encoding="utf-8")
    return ["unicode.yaml", "events.yaml", "anchors.yaml"]


def _digests(files: list[str], cwd: Path, hash_seed: str) -> list[str]:
    completed = subprocess.run([sys.executable, "-c", DIGESTS, *files], cwd=cwd, capture_output=True, text=True,
                               env={**os.environ, "PYTHONHASHSEED": hash_seed}, check=False, timeout=300)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


@pytest.mark.slow
def test_hostile_but_valid_scenarios_keep_their_digests_under_two_hash_seeds_and_from_two_folders(tmp_path):
    scenarios = tmp_path / "project" / "scenarios"
    files = _hostile_but_valid(scenarios)
    here = _digests(files, scenarios, "1")
    elsewhere = _digests([os.path.relpath(scenarios / file, ROOT) for file in files], ROOT, "4242")
    assert here == elsewhere
    assert len(set(here)) == len(files)


def test_the_relative_files_of_a_scenario_are_the_ones_it_runs_with(tmp_path, monkeypatch):
    import chaosbench

    scenarios = tmp_path / "scenarios"
    _hostile_but_valid(scenarios)
    monkeypatch.chdir(tmp_path)
    counters = chaosbench.run("scenarios/events.yaml", seed=3).journal.counts.counters
    assert counters["registry.reloads"] == 1  # the swap at 10 s read flows-later.yaml beside the scenario
