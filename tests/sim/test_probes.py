"""Probes that read the run's own tables."""
from __future__ import annotations

import pandas as pd
import pytest

from chaosbench.sim.checks.probe_base import Observed
from chaosbench.sim.checks.probes import DuplicateExecutions
from chaosbench.sim.checks.rows import Rows


def _seen(workflows: pd.DataFrame) -> Observed:
    return Observed(tasks=Rows.of(pd.DataFrame()), timeseries=Rows.of(pd.DataFrame()), warmup=0.0, end=10.0,
                    tables={"workflows": workflows})


def test_a_second_completed_run_of_one_event_is_a_duplicate_but_a_replay_after_failure_is_not():
    runs = pd.DataFrame({
        "workflow": ["w", "w", "w", "w"],
        "event_source": ["a", "a", "b", "b"],
        "event_id": ["1", "1", "2", "2"],
        "outcome": ["completed", "completed", "failed", "completed"],
    })
    assert DuplicateExecutions(max=0).observe(_seen(runs)) == 1.0


def test_sla_compliance_leaves_out_refused_requests_and_counts_shed_work_as_missed():
    from chaosbench.sim.checks.probes import SlaCompliance

    tasks = pd.DataFrame({
        "enqueued_at": [0.0] * 4, "priority": ["normal"] * 4, "deadline": [5.0] * 4,
        "finished_at": [1.0, float("nan"), float("nan"), float("nan")],
        "outcome": ["completed", "denied", "rejected", "shed"],
    })
    seen = Observed(tasks=Rows.of(tasks), timeseries=Rows.of(pd.DataFrame()), warmup=0.0, end=10.0)
    assert SlaCompliance(min=0.9).observe(seen) == 0.5


def _tasks(outcomes: list[str], priorities: list[str], enqueued_at: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"outcome": outcomes, "priority": priorities, "enqueued_at": enqueued_at})


def test_failed_tasks_counts_failed_and_dead_lettered_tasks_after_the_warmup_of_the_priority_asked():
    from chaosbench.sim.checks.probes import FailedTasks

    tasks = _tasks(["failed", "dead_lettered", "failed", "shed", "completed", "failed"],
                   ["high", "high", "low", "high", "high", "high"],
                   [20.0, 30.0, 20.0, 20.0, 20.0, 5.0])
    seen = Observed(tasks=Rows.of(tasks), timeseries=Rows.of(pd.DataFrame()), warmup=10.0, end=60.0)
    assert FailedTasks(max=0).observe(seen) == 3.0
    assert FailedTasks(max=0, priority="high").observe(seen) == 2.0


def test_failed_runs_count_whether_or_not_the_dead_letter_queue_kept_them():
    from chaosbench.sim.checks.probes import DeadLetterCount, FailedWorkflows

    tasks = _tasks(["dead_lettered", "completed"], ["normal", "normal"], [0.0, 0.0])
    # The queue is off or was replayed empty: it holds nothing at the end, yet seven runs failed.
    seen = Observed(tasks=Rows.of(tasks), timeseries=Rows.of(pd.DataFrame()), warmup=0.0, end=10.0,
                    counts={"engine.failed": 7, "engine.dead_letters": 0})
    assert FailedWorkflows(max=0).observe(seen) == 7.0
    assert DeadLetterCount(max=0).observe(seen) == 8.0


def test_a_probe_id_carries_the_parameters_that_pick_what_it_measures():
    from chaosbench.sim.checks.probes import PROBES, identify

    def probe_id(kind: str, **params) -> str:
        return identify(kind, PROBES[kind].model_validate(params))

    assert probe_id("sla_compliance", priority="critical", min=0.99) == "sla_compliance[critical]"
    assert probe_id("sla_compliance", min=0.99) == "sla_compliance"
    assert probe_id("latency", priority="high", measure="wait", quantile=0.99, max="30s") == "latency[wait p99 high]"
    assert probe_id("latency", quantile=0.999, max="30s") == "latency[end_to_end p99.9]"
    assert probe_id("failed_tasks", priority="low", max=0) == "failed_tasks[low]"
    assert probe_id("recovery_time", max="2m") == "recovery_time"


def test_every_probe_kind_has_a_unit():
    from chaosbench.sim.checks.identity import PROBE_UNITS
    from chaosbench.sim.checks.probes import PROBES

    assert set(PROBE_UNITS) == set(PROBES)


def test_the_record_of_a_probe_has_its_structured_bound_and_signed_margin():
    from chaosbench.sim.checks.probes import SlaCompliance, evaluate

    tasks = pd.DataFrame({"enqueued_at": [0.0] * 4, "priority": ["high"] * 4, "deadline": [5.0] * 4,
                          "finished_at": [1.0, 1.0, 1.0, 9.0], "outcome": ["completed"] * 4})
    seen = Observed(tasks=Rows.of(tasks), timeseries=Rows.of(pd.DataFrame()), warmup=0.0, end=10.0)
    record = evaluate("sla_compliance", SlaCompliance(priority="high", min=0.9), seen)
    assert record == {"id": "sla_compliance[high]", "kind": "sla_compliance", "params": {"priority": "high"},
                      "value": 0.75, "unit": "ratio", "bound": {"op": ">=", "value": 0.9, "unit": "ratio"},
                      "margin": pytest.approx(-0.15), "passed": False}


def test_two_probes_with_one_id_are_refused_when_the_scenario_is_loaded(write_scenario, capsys):
    from chaosbench.cli.main import main
    from tests.conftest import mmc_document

    path = write_scenario(mmc_document(steady_state=[
        {"sla_compliance": {"priority": "critical", "min": 0.99}}, {"sla_compliance": {"priority": "high", "min": 0.9}},
        {"sla_compliance": {"priority": "CRITICAL", "min": 0.95}}]))
    assert main(["validate", str(path)]) == 2
    error = capsys.readouterr().err
    assert f"{path}:13:1: steady_state: probes 0 and 2 have the same id 'sla_compliance[critical]'" in error
    assert "Traceback" not in error


def test_unaudited_changes_counts_per_table_the_critical_changes_beyond_governances_audits():
    from chaosbench.orchestration.feedback import AUDIT_CHANGE
    from chaosbench.sim.checks.audit_probes import UnauditedChanges

    audit = pd.DataFrame({"who": ["governance"] * 3 + ["htm"], "what": ["audit update"] * 3 + ["dispatch task 1 (x)"],
                          "where": ["trust_scores", "trust_scores", "other", "worker_0"],
                          "how": [AUDIT_CHANGE] * 3 + ["fifo"]})
    seen = Observed(tasks=Rows.of(pd.DataFrame()), timeseries=Rows.of(pd.DataFrame()), warmup=0.0, end=10.0,
                    counts={"memory.critical_changes.trust_scores": 3, "memory.critical_changes.governance": 1},
                    tables={"audit": audit})
    assert UnauditedChanges(max=0).observe(seen) == 2.0  # one trust change and the governance change


def test_unnarrated_dispatches_counts_started_tasks_after_the_warmup_without_their_narrative():
    from chaosbench.sim.checks.audit_probes import UnnarratedDispatches

    tasks = pd.DataFrame({"task_id": [1, 2, 3, 4], "enqueued_at": [20.0, 20.0, 20.0, 5.0],
                          "started_at": [21.0, 22.0, float("nan"), 6.0], "priority": ["normal"] * 4})
    audit = pd.DataFrame({"who": ["htm"], "what": ["dispatch task 1 (chore)"], "where": ["worker_0"], "how": ["x"]})
    seen = Observed(tasks=Rows.of(tasks), timeseries=Rows.of(pd.DataFrame()), warmup=10.0, end=60.0,
                    tables={"audit": audit})
    assert UnnarratedDispatches(max=0).observe(seen) == 1.0  # task 2; 3 never started, 4 is in the warm-up
