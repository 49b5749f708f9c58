"""Intent workloads: streams of intents through the governance tiers, and queue floods sent as intents."""
from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from chaosbench.orchestration.governance.intents import TIERS
from chaosbench.sim.scenario.model import Scenario
from chaosbench.sim.workloads.intents import IntentWorkload

from .effects_helpers import TASKS, count, fault_row, outcomes, run, scenario

#: Every kind of every tier in equal shares.
EVERY_KIND = {kind: 1 / len(TIERS) for kind in TIERS}


def intents(**fields) -> dict:
    return {"intents": {"rate": "2/s", "mix": {"query_knowledge": 1.0}, **fields}}


def intent_tasks(result, kinds=None):
    tasks = result.tables["tasks"]
    return tasks[tasks["kind"].isin(kinds or list(TIERS))]


def test_the_stream_sends_intents_at_the_rate_with_the_kind_mix_and_each_tier_is_counted():
    result = run(scenario(workload=[intents(mix=EVERY_KIND, rate="4/s")], duration="100s"))
    sent = intent_tasks(result)
    assert len(sent) == pytest.approx(400, rel=0.15)
    assert set(sent["kind"]) == set(TIERS)
    for tier in range(5):
        kinds = [kind for kind, t in TIERS.items() if t == tier]
        assert count(result, f"intents.tier{tier}") == len(intent_tasks(result, kinds))
    assert set(sent["origin"]) == {"workload"}


def test_each_intent_takes_its_tiers_priority():
    result = run(scenario(workload=[intents(mix={"critical_incident": 0.5, "schedule_task": 0.5})]))
    priority = intent_tasks(result).groupby("kind")["priority"].unique()
    assert list(priority["critical_incident"]) == ["critical"]
    assert list(priority["schedule_task"]) == ["normal"]


def test_tier_0_intents_wait_for_the_operators_approval_and_are_counted():
    result = run(scenario(workload=[intents(mix={"modify_governance": 1.0}, rate="0.2/s")],
                          stack={"operator": {"median_response": 1, "approve_probability": 1.0}}, duration="120s"))
    tier0 = intent_tasks(result)
    started = tier0[tier0["started_at"].notna()]
    assert len(started) > 10 and set(started["approval"]) == {"approved"}
    assert count(result, "approval.approved") == (tier0["approval"] == "approved").sum()
    assert count(result, "safeguard.approval_gate") == 0  # safeguard firings are kept apart from the counters
    assert result.journal.safeguards.fired["approval_gate"] == len(tier0)


def test_the_mission_context_drives_the_unified_logic_vote():
    def votes(mission: dict) -> tuple[int, int]:
        result = run(scenario(workload=[intents(mix={"optimize_system": 1.0}, mission=mission)]))
        return count(result, "intents.votes_passed"), count(result, "intents.votes_failed")

    aligned, unaligned = votes({"resilience": 1.0}), votes({"none": 1.0})
    assert aligned[0] > 80 and aligned[1] == 0  # alignment 1.0: every voter says yes
    assert unaligned[1] > 0.3 * sum(unaligned)  # the default alignment 0.5: a vote fails half the time
    result = run(scenario(workload=[intents(mix={"optimize_system": 1.0})]))
    assert count(result, "intents.votes") == count(result, "intents.tier3")
    assert outcomes(result, "denied") == count(result, "intents.votes_failed")


def test_an_actor_the_governance_gate_refuses_has_its_intents_denied():
    refused = run(scenario(workload=[intents(actor="cortex")], stack={"governance": {"mode": "enforce_all"}}))
    assert count(refused, "intents.denied") == count(refused, "intents.tier2") > 50
    assert set(intent_tasks(refused)["outcome"]) == {"denied"}
    authorized = run(scenario(workload=[intents(actor="cortex")],
                              stack={"governance": {"mode": "enforce_all", "authorized": ["cortex"]}}))
    assert count(authorized, "intents.denied") == 0


def test_the_sla_of_an_intent_is_set_per_priority():
    result = run(scenario(workload=[intents(mix={"deploy_model": 0.5, "self_improve": 0.5},
                                            mission={"resilience": 1.0}, sla={"high": "90s"})]))
    sent = intent_tasks(result)
    due = (sent["deadline"] - sent["enqueued_at"]).round(6)
    assert set(due[sent["kind"] == "self_improve"]) == {90.0}   # tier 3: HIGH, as the stream sets it
    assert set(due[sent["kind"] == "deploy_model"]) == {14400.0}   # tier 1: NORMAL, the stack's SLA


def test_the_approval_outage_bites_on_an_intent_stream_without_any_acl_flood():
    document = scenario(workload=[TASKS, intents(mix={"grant_permissions": 1.0}, rate="0.5/s")],
                        stack={"operator": {"median_response": 0.3}, "approval": {"timeout": 15}})
    away = run({**document, "faults": [{"at": "10s", "approval_outage": {"for": "30s"}}]})
    present = run(document)
    assert fault_row(away, "approval_outage")["effect_size"] > 0
    assert count(away, "approval.expired") > 5 and count(present, "approval.expired") == 0
    assert count(away, "approval.approved") < count(present, "approval.approved")
    assert away.journal.invariants["tier0_approval"].held


@pytest.mark.parametrize("fields, message", [
    ({"mix": {"modify_governnce": 1.0}}, "did you mean 'modify_governance'"),
    ({"mix": {"query_knowledge": 0.5}}, "expected weights summing to 1"),
    ({"mix": {"query_knowledge": 1.0}, "mission": {"revenues": 1.0}}, "did you mean 'revenue'"),
])
def test_a_bad_intent_stream_is_refused_naming_what_was_expected(fields, message):
    with pytest.raises(ValidationError, match=message):
        IntentWorkload.model_validate({"rate": "1/s", **fields})


def test_a_workload_item_is_exactly_one_kind():
    both = {"tasks": TASKS["tasks"], **intents()}
    with pytest.raises(ValidationError, match="expected exactly one of tasks, events, intents"):
        Scenario.model_validate(scenario(workload=[both]))


def test_a_queue_flood_of_intents_goes_through_the_router_and_its_malformed_half_is_rejected_there():
    flood = {"count": 400, "over": "4s", "invalid_fraction": 0.5,
             "intents": {"schedule_task": 0.5, "modify_governance": 0.25, "optimize_system": 0.25}}
    result = run(scenario(workload=[TASKS], faults=[{"at": "10s", "queue_flood": flood}],
                          stack={"operator": {"median_response": 0.1}}))
    assert fault_row(result, "queue_flood")["effect_size"] > 0
    invalid = count(result, "intents.invalid")
    assert invalid == outcomes(result, "rejected") and 160 < invalid < 240
    routed = sum(count(result, f"intents.tier{tier}") for tier in range(5))
    assert routed + invalid == 400
    assert count(result, "intents.tier0") > 0 and count(result, "intents.votes") == count(result, "intents.tier3")
    flooded = intent_tasks(result)
    assert set(flooded["priority"]) == {"normal", "high"}   # from the tiers, not from a priority mix
    assert result.journal.invariants["tier0_approval"].held


def test_a_queue_flood_without_intents_enqueues_tasks_past_the_router():
    result = run(scenario(workload=[TASKS], faults=[{"at": "10s", "queue_flood": {"count": 100,
                                                                                    "invalid_fraction": 0.5}}]))
    assert count(result, "intents.invalid") == 0 and outcomes(result, "rejected") > 20


def test_an_intent_flood_refuses_a_priority_mix():
    flood = {"count": 10, "intents": {"schedule_task": 1.0}, "priority_mix": {"high": 1.0}}
    with pytest.raises(ValidationError, match="takes each intent's priority from its tier"):
        Scenario.model_validate(scenario(workload=[TASKS], faults=[{"at": "1s", "queue_flood": flood}]))


def test_only_an_intent_flood_lists_its_intent_mix_and_actor_among_its_parameters():
    def parameters(flood: dict) -> dict:
        result = run(scenario(workload=[TASKS], faults=[{"at": "1s", "queue_flood": flood}], duration="5s"))
        return json.loads(fault_row(result, "queue_flood")["parameters"])

    assert {"intents", "actor"}.isdisjoint(parameters({"count": 5}))
    sent_as_intents = parameters({"count": 5, "intents": {"schedule_task": 1.0}, "actor": "cortex"})
    assert sent_as_intents["intents"] == {"schedule_task": 1.0} and sent_as_intents["actor"] == "cortex"
