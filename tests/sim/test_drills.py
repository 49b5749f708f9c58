"""Drills: synthetic incidents injected through the stack's controls, and the records of how the stack answered."""
from __future__ import annotations

import pandas as pd
import pytest

from chaosbench.sim.drills.incidents import INCIDENTS
from chaosbench.sim.drills.model import Drill, load_drill
from chaosbench.sim.drills.observer import TappedTrace
from chaosbench.sim.drills.records import INCIDENT_COLUMNS
from chaosbench.sim.drills.runner import run_drill
from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.run.runtime import Trace
from tests.sim.drill_helpers import DETECTORS, SHIPPED, drill_document, one_record

CRASH = {"kernel_crash": {"kernel": "avn_core"}}
NO_CRASH_RESPONDERS = {"policy": {"disabled": ["critical_error"]}, "workflows": {"disabled": ["kernel_crash_response"]}}


def test_the_shipped_drill_has_an_incident_of_every_kind_the_design_documents_name():
    drill = load_drill(SHIPPED)
    assert {entry.name for entry in drill.incidents} == set(INCIDENTS) == {
        "kernel_crash", "heartbeat_loss", "sla_breach", "resource_spike", "governance_violation",
        "trust_degradation", "kpi_breach"}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_incident_of_the_shipped_drill_is_detected_routed_and_healed_in_time(seed):
    result = run_drill(load_drill(SHIPPED), seed=seed, file="scenarios/drills/every_incident.yaml")
    assert result.passed, result.journal.findings
    for record in result.records:
        assert record.passed and record.outcome == "healed in time"
        assert record.detected_at is not None and record.injected_at <= record.detected_at <= record.healed_at
        assert record.detector in DETECTORS  # the stack reported it: the drill never publishes
        assert record.rules or record.workflows or record.playbooks, f"{record.incident} was answered by nothing"
        assert record.time_to_heal is not None and record.time_to_heal <= record.heal_within
    table = result.incidents
    assert tuple(table.columns) == INCIDENT_COLUMNS and len(table) == 7 and table["passed"].all()
    counters = result.journal.counts.counters
    assert counters["drill.incidents"] == counters["drill.healed_in_time"] == 7
    assert result.journal.reproduce == f"chaosbench drill scenarios/drills/every_incident.yaml --seed {seed}"


def test_each_record_names_the_answers_that_the_routing_matrix_gives_its_kind():
    records = {record.kind: record for record in run_drill(load_drill(SHIPPED), seed=1).records}
    assert records["kernel_crash"].rules == ["critical_error"]
    assert records["kernel_crash"].workflows == ["kernel_crash_response"]
    assert records["heartbeat_loss"].detected_by == "system.heartbeat_failed"
    assert "heartbeat_failure" in records["heartbeat_loss"].rules
    assert records["sla_breach"].rules == ["sla_breach"]
    assert [(e.level, e.by) for e in records["sla_breach"].escalations] == [("human", "sla_breach")]
    assert records["resource_spike"].rules == ["resource_spike"]
    assert set(records["governance_violation"].rules) == {"governance_violation", "security_incident"}
    assert ("human", "security_incident") in [(e.level, e.by) for e in records["governance_violation"].escalations]
    assert records["trust_degradation"].workflows == ["trust_degradation_review"]
    assert records["kpi_breach"].workflows == ["kpi_critical_healing"]
    assert [(e.level, e.by) for e in records["kpi_breach"].escalations] == [("kernel", "kpi_critical_healing")]


def test_the_same_seed_gives_the_same_records_and_another_seed_other_ones():
    drill = load_drill(SHIPPED)
    first, again, other = (run_drill(drill, seed=seed) for seed in (1, 1, 2))
    assert first.records == again.records
    assert first.journal.trace_digest == again.journal.trace_digest
    pd.testing.assert_frame_equal(first.incidents, again.incidents)
    assert [r.time_to_heal for r in first.records] != [r.time_to_heal for r in other.records]


def test_a_kernel_crash_heals_later_without_the_critical_error_rule():
    answered = one_record(CRASH)
    without_rule = one_record(CRASH, {"policy": {"disabled": ["critical_error"]}})
    assert answered.rules == ["critical_error"] and without_rule.rules == []
    assert without_rule.time_to_heal > answered.time_to_heal + 5
    # The crash-response workflow cannot diagnose with its kernel down, fails and escalates to a human instead.
    assert [(e.level, e.by) for e in without_rule.escalations] == [("human", "kernel_crash_response")]


def test_a_kernel_crash_without_rule_and_workflow_waits_for_the_watchdog_and_the_immune_kernel():
    record = one_record(CRASH, NO_CRASH_RESPONDERS)
    assert record.rules == [] and record.workflows == [] and record.playbooks == ["restart_kernel"]
    assert record.passed  # the watchdog's next check still finds it within 30 s


def test_a_kernel_crash_is_never_healed_with_every_responder_off():
    record = one_record(CRASH, {**NO_CRASH_RESPONDERS, "immune": {"enabled": False}})
    # Without the immune kernel nobody reports the crash at once; the watchdog's next check does.
    assert (record.detected_by, record.detector) == ("anomaly.detected", "watchdog")
    assert record.outcome == "not healed" and record.healed_at is None


def test_a_rogue_actor_stays_free_without_the_security_incident_rule():
    incident = {"governance_violation": {"actor": "rogue_agent"}}
    assert one_record(incident).passed
    record = one_record(incident, {"policy": {"disabled": ["security_incident"]}})
    assert record.rules == ["governance_violation"] and record.outcome == "not healed"


def test_trust_stays_degraded_without_the_review_workflow():
    incident = {"trust_degradation": {"component": "hunter"}}
    assert one_record(incident).time_to_heal < 1
    record = one_record(incident, {"workflows": {"disabled": ["trust_degradation_review"]}})
    assert record.workflows == [] and record.outcome == "not healed"


def test_a_lost_heartbeat_is_healed_by_the_immune_kernel_when_rule_and_workflow_are_off():
    incident = {"heartbeat_loss": {"kernel": "governance"}, "heal_within": "1m"}
    answered = one_record(incident)
    alone = one_record(incident, {"policy": {"disabled": ["heartbeat_failure"]},
                                  "workflows": {"disabled": ["kernel_crash_response"]}})
    assert answered.rules == ["heartbeat_failure"] and answered.playbooks == []
    assert alone.rules == [] and alone.workflows == [] and alone.playbooks == ["restart_kernel"]


def test_a_kpi_breach_is_healed_later_by_the_test_quality_monitor_without_the_kpi_workflow():
    incident = {"kpi_breach": {"kernel": "verification"}, "heal_within": "2m"}
    answered = one_record(incident)
    without = one_record(incident, {"workflows": {"disabled": ["kpi_critical_healing"]}})
    assert answered.workflows == ["kpi_critical_healing"] and without.workflows == []
    assert without.time_to_heal > answered.time_to_heal


def test_a_resource_spike_ends_with_its_pressure_and_is_answered_with_relief():
    record = one_record({"resource_spike": {"cpu": 60, "for": "20s"}})
    assert record.detected_by == "system.resource_spike" and record.rules == ["resource_spike"]
    assert 20 <= record.time_to_heal < 30


def test_an_sla_breach_heals_once_every_late_task_has_completed():
    record = one_record({"sla_breach": {"priority": "high", "tasks": 2, "work": "8s", "sla": "1s"}})
    assert record.target == "high tasks" and record.detected_by == "task.sla_breach"
    assert record.time_to_heal >= 8 and record.passed


def test_watching_a_drill_changes_nothing_the_stack_does():
    drill = Drill.model_validate(drill_document([{"at": "60s", **CRASH}, {"at": "90s", "trust_degradation": {
        "component": "hunter"}}]))
    watched = run_drill(drill, seed=4).run

    def inject_only(stack):
        for entry in drill.incidents:
            incident = INCIDENTS[entry.name](stack, entry.params)
            stack.runtime.env.timeout(entry.at).callbacks.append(lambda _e, incident=incident: incident.inject())

    unwatched = run_scenario(drill.scenario(), seed=4, attach=inject_only)
    for table in ("tasks", "workflows", "actions", "immune"):
        pd.testing.assert_frame_equal(watched.tables[table], unwatched.tables[table])


def test_a_tapped_trace_hands_over_the_records_asked_for_and_keeps_its_digest():
    seen = []
    tapped, plain = TappedTrace(frozenset(("policy.fire",)), seen.append), Trace()
    for trace in (tapped, plain):
        trace.emit(1.0, "policy.fire", "sla_breach", "htm", 3, 0)
        trace.emit(2.0, "kernel.up", "avn_core")
    assert seen == [(1.0, "policy.fire", "sla_breach", "htm", 3, 0)]
    assert tapped.digest() == plain.digest()


def test_an_incident_never_reported_is_not_detected_even_when_it_ends():
    # 5 points of CPU pressure never reach the spike threshold: nothing reports it, so nothing was detected.
    record = one_record({"resource_spike": {"cpu": 5}})
    assert record.outcome == "not detected" and not record.passed


def test_a_drill_without_duration_lasts_until_its_last_bound_and_the_hold():
    drill = Drill.model_validate(drill_document([{"at": "60s", **CRASH}, {"at": "2m", **CRASH, "heal_within": "5m"}]))
    assert drill.run_for == 120 + 300 + drill.healed_for
    assert drill.ids == ["kernel_crash-0", "kernel_crash-1"]

