"""Probes that read the run's own tables."""
from __future__ import annotations

import pandas as pd

from chaosbench.sim.checks.probes import DuplicateExecutions, Observed


def _seen(workflows: pd.DataFrame) -> Observed:
    return Observed(tasks=pd.DataFrame(), timeseries=pd.DataFrame(), warmup=0.0, end=10.0,
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
    seen = Observed(tasks=tasks, timeseries=pd.DataFrame(), warmup=0.0, end=10.0)
    assert SlaCompliance(min=0.9).observe(seen) == 0.5


def _tasks(outcomes: list[str], priorities: list[str], enqueued_at: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"outcome": outcomes, "priority": priorities, "enqueued_at": enqueued_at})


def test_failed_tasks_counts_failed_and_dead_lettered_tasks_after_the_warmup_of_the_priority_asked():
    from chaosbench.sim.checks.probes import FailedTasks

    tasks = _tasks(["failed", "dead_lettered", "failed", "shed", "completed", "failed"],
                   ["high", "high", "low", "high", "high", "high"],
                   [20.0, 30.0, 20.0, 20.0, 20.0, 5.0])
    seen = Observed(tasks=tasks, timeseries=pd.DataFrame(), warmup=10.0, end=60.0)
    assert FailedTasks(max=0).observe(seen) == 3.0
    assert FailedTasks(max=0, priority="high").observe(seen) == 2.0


def test_failed_runs_count_whether_or_not_the_dead_letter_queue_kept_them():
    from chaosbench.sim.checks.probes import DeadLetterCount, FailedWorkflows

    tasks = _tasks(["dead_lettered", "completed"], ["normal", "normal"], [0.0, 0.0])
    # The queue is off or was replayed empty: it holds nothing at the end, yet seven runs failed.
    seen = Observed(tasks=tasks, timeseries=pd.DataFrame(), warmup=0.0, end=10.0,
                    counts={"engine.failed": 7, "engine.dead_letters": 0})
    assert FailedWorkflows(max=0).observe(seen) == 7.0
    assert DeadLetterCount(max=0).observe(seen) == 8.0
