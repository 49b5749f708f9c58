"""The shipped intent-governance scenario: intents of every tier while the approving operator is away."""
from __future__ import annotations

import json

import pytest

from chaosbench.cli.main import main
from chaosbench.sim.checks.invariants import TIER0_INTENTS
from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.scenario.loader import load_scenario
from tests.conftest import ROOT

SCENARIO = ROOT / "scenarios" / "fit" / "intent_governance.yaml"


def run_seed(seed: int, level: int = 0):
    return run_scenario(load_scenario(SCENARIO, level), seed=seed, level=level, file=str(SCENARIO))


@pytest.fixture(scope="module")
def first_five():
    return [run_seed(seed) for seed in range(1, 6)]


def test_the_scenario_sends_intents_and_counts_tier_0_approvals_and_tier_3_votes(first_five):
    for result in first_five:
        counts = result.journal.counts
        tasks = result.tables["tasks"]
        tier0 = tasks[tasks["kind"].isin(TIER0_INTENTS)]
        assert counts.counter("intents.tier0") == len(tier0) > 0
        assert counts.counter("approval.approved") == (tier0["approval"] == "approved").sum() > 0
        votes = counts.counter("intents.votes")
        assert votes == counts.counter("intents.tier3") > 0
        assert 0 < counts.counter("intents.votes_passed") <= votes
        denied = counts.counter("intents.votes_failed") + counts.counter("approval.denied")
        assert denied == (tasks["outcome"] == "denied").sum()


def test_under_the_approval_outage_no_tier_0_intent_runs_without_approval_and_the_scenario_passes(first_five):
    for result in first_five:
        assert result.passed, result.journal.reproduce
        assert result.journal.invariants["tier0_approval"].held
        assert "approval_gate" in result.journal.safeguards.fired
        outage = result.tables["faults"].iloc[0]
        assert outage["kind"] == "approval_outage" and outage["effect_size"] > 0
        tasks = result.tables["tasks"]
        tier0 = tasks[tasks["kind"].isin(TIER0_INTENTS)]
        held = tier0[(tier0["enqueued_at"] >= outage["start"]) & (tier0["enqueued_at"] < outage["end"])]
        assert len(held) > 0
        # Sent while the operator was away: none started before the operator was back and had approved it.
        assert (held["started_at"].dropna() >= outage["end"]).all()
        assert set(tier0.loc[tier0["started_at"].notna(), "approval"]) == {"approved"}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_with_the_approval_gate_off_tier_0_intents_run_unapproved_and_the_scenario_fails(seed, tmp_path, capsys):
    code = main(["run", str(SCENARIO), "--seed", str(seed), "--without", "approval_gate",
                 "--out", str(tmp_path / "run"), "--json"])
    journal = json.loads(capsys.readouterr().out)["journal"]
    assert code == 1 and not journal["passed"]
    assert not journal["invariants"]["tier0_approval"]["held"]
    assert "without approval" in journal["invariants"]["tier0_approval"]["detail"]


def test_with_every_safeguard_off_the_scenario_fails(tmp_path, capsys):
    code = main(["run", str(SCENARIO), "--seed", "1", "--without", "all", "--out", str(tmp_path / "run"), "--json"])
    assert code == 1 and not json.loads(capsys.readouterr().out)["journal"]["passed"]


def test_a_longer_outage_per_level_reaches_a_failing_level_within_the_ladder(capsys):
    main(["frontier", str(SCENARIO), "--seeds", "3", "--json"])
    frontier = json.loads(capsys.readouterr().out)
    assert frontier["highest_passing"] >= 1
    assert frontier["first_failing"] is not None and frontier["first_failing"] <= frontier["max_level"]
    failing = run_seed(1, frontier["first_failing"])
    assert failing.journal.invariants["tier0_approval"].held  # late, never unapproved
