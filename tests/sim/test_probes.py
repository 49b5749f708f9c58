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
