"""The shipped scenarios: the fifteen of the design documents, their suites and the canary."""
from __future__ import annotations

import json

import pytest

from chaosbench.cli.main import main
from chaosbench.sim.scenario.discovery import load_suite
from chaosbench.sim.scenario.loader import load_scenario
from tests.conftest import ROOT, SharedRuns

SUITES = ROOT / "scenarios" / "suites"
DEFAULT = load_suite(SUITES / "default.yaml")[1]
FAMILIES = {"layer2": 5, "dirt": 3, "fit": 4, "jepsen": 3}


def test_the_default_suite_holds_the_fifteen_scenarios_of_the_design_documents():
    assert len(DEFAULT) == 15
    assert {family: sum(path.parent.name == family for path in DEFAULT) for family in FAMILIES} == FAMILIES


def test_every_shipped_scenario_expects_safeguards_or_probes_and_has_a_ladder():
    for path in DEFAULT:
        scenario = load_scenario(path)
        assert scenario.steady_state, path
        assert scenario.difficulty.scale or scenario.difficulty.step, path


def test_the_canary_suite_is_the_default_suite_with_the_canary():
    canary = load_suite(SUITES / "canary.yaml")[1]
    assert canary[:-1] == DEFAULT and canary[-1] == ROOT / "scenarios" / "canary" / "canary_impossible_sla.yaml"


def test_the_shipped_canary_fails_as_it_must(tmp_path, capsys):
    canary = ROOT / "scenarios" / "canary" / "canary_impossible_sla.yaml"
    assert main(["run", str(canary), "--out", str(tmp_path / "canary"), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["journal"]["passed"] is False and printed["verdict"] == "expected failure" and printed["ok"]


def test_every_fault_of_the_default_suite_lands(shared_runs: SharedRuns):
    for path in DEFAULT:
        journal = shared_runs.journal(path, seed=2)
        quiet = [finding for finding in journal.findings if "no observable effect" in finding]
        assert not quiet, (path, quiet)
        assert not journal.safeguards.missing, (path, journal.safeguards)


@pytest.mark.slow
@pytest.mark.parametrize("level", [1, 2, 3])
def test_conservation_and_the_audit_chain_hold_in_every_scenario_up_to_level_3(level, shared_runs: SharedRuns):
    for path in DEFAULT:
        invariants = shared_runs.journal(path, seed=level, level=level).invariants
        for name in ("task_conservation", "audit_chain", "tier0_approval"):
            assert invariants[name].held, (path, level, invariants[name])
