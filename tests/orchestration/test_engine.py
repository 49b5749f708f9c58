"""The workflow engine: retries, timeouts, dead letters, parallel groups and the concurrency cap."""
from __future__ import annotations

import pytest

from chaosbench.orchestration.mesh.engine import EngineConfig

from .events_helpers import at, fixed_kernels, kpi, mesh, one_action


def spy_calls(m) -> list[float]:
    """Record the simulated time of every kernel call."""
    times: list[float] = []
    call = m.kernels.call

    def recording(*args):
        times.append(m.env.now)
        return call(*args)

    m.kernels.call = recording
    return times


def test_retries_happen_at_the_times_the_backoff_formula_gives():
    m = mesh(one_action(attempts=4), kernels=fixed_kernels(latency=0.5, failure=1.0))
    calls = spy_calls(m)
    m.bus.publish(kpi(1))
    m.env.run()
    start = 0.001  # bus latency
    # Waits after failed attempts 1, 2, 3: 1000 ms, 2000 ms, min(4000, 3000) ms.
    expected = [start, start + 0.5 + 1.0, start + 1.0 + 3.0, start + 1.5 + 6.0]
    assert calls == pytest.approx(expected)
    assert m.rt.recorder.counts["safeguard.retry"] == 3


def test_a_handler_that_always_fails_ends_in_the_dead_letter_queue_after_max_attempts():
    m = mesh(one_action(attempts=3), kernels=fixed_kernels(latency=0.1, failure=1.0))
    calls = spy_calls(m)
    m.bus.publish(kpi(1))
    m.env.run()
    assert len(calls) == 3
    (letter,) = m.engine.dead_letters
    assert letter.workflow == "heal" and letter.attempts == 3 and "call failed" in letter.reason
    assert m.router.stats()["workflows_failed"] == 1
    assert m.rt.recorder.counts["safeguard.dead_letter"] == 1
    assert m.rt.recorder.frame("workflows")["outcome"].tolist() == ["failed"]
    assert m.audit.query(action="dead_letter")[0].where == "heal"


def test_an_action_that_times_out_is_retried():
    m = mesh(one_action(attempts=4, timeout_ms=1000), kernels=fixed_kernels(latency=0.5))
    calls = spy_calls(m)
    m.kernels.slow("avn_core", 10)  # 5 s per call: past the 1 s timeout
    at(m.env, 1.5, lambda: m.kernels.slow("avn_core", 1))
    m.bus.publish(kpi(1))
    m.env.run()
    # First attempt times out at 1.001, waits 1 s, the second answers in 0.5 s.
    assert calls == pytest.approx([0.001, 2.001])
    actions = m.rt.recorder.frame("actions")
    assert actions["attempts"].tolist() == [2] and actions["outcome"].tolist() == ["completed"]
    assert actions["latency"].tolist() == pytest.approx([2.5])


def test_attempts_that_keep_timing_out_end_as_failed_with_the_timeout_as_reason():
    m = mesh(one_action(attempts=2, timeout_ms=100), kernels=fixed_kernels(latency=1.0))
    m.bus.publish(kpi(1))
    m.env.run()
    assert "timeout after 2 attempt(s)" in m.engine.dead_letters[0].reason


def test_without_the_retry_safeguard_an_action_gets_one_attempt():
    m = mesh(one_action(attempts=4), kernels=fixed_kernels(failure=1.0), retry=False)
    calls = spy_calls(m)
    m.bus.publish(kpi(1))
    m.env.run()
    assert len(calls) == 1 and "safeguard.retry" not in m.rt.recorder.counts


def test_without_the_dead_letter_safeguard_failed_runs_are_not_kept():
    m = mesh(one_action(attempts=1), kernels=fixed_kernels(failure=1.0), dead_letter=False)
    m.bus.publish(kpi(1))
    m.env.run()
    assert len(m.engine.dead_letters) == 0 and m.engine.failed == 1


def test_dead_letters_can_be_replayed_once_the_kernel_is_back():
    m = mesh(one_action(attempts=1), kernels=fixed_kernels(latency=0.1))
    m.kernels.take_down("avn_core")
    m.bus.publish(kpi(1))
    m.env.run()
    assert len(m.engine.dead_letters) == 1
    m.kernels.bring_up("avn_core")
    assert m.engine.replay_dead_letters() == 1
    m.env.run()
    assert len(m.engine.dead_letters) == 0 and m.engine.completed == 1
    assert [e.what for e in m.audit.query(actor="workflow_engine")] == [
        "dispatch_workflow", "dead_letter", "replay_dead_letter", "dispatch_workflow",
    ]


PARALLEL = """
configuration: {rate_limiting: {enabled: false}}
workflows:
  - name: fan_out
    trigger: {event_type: kpi.threshold_breach}
    actions:
      - parallel:
          - {name: a, target: governance.review_trust}
          - {name: b, target: verification.verify}
      - {name: c, target: learning_kernel.record_pattern}
"""


def test_parallel_action_groups_overlap_in_simulated_time():
    m = mesh(PARALLEL, kernels=fixed_kernels(latency=2.0))
    m.bus.publish(kpi(1))
    m.env.run()
    actions = m.rt.recorder.frame("actions").set_index("action")
    assert actions.loc["a", "started_at"] == actions.loc["b", "started_at"] == pytest.approx(0.001)
    assert actions.loc["a", "finished_at"] == actions.loc["b", "finished_at"] == pytest.approx(2.001)
    assert actions.loc["c", "started_at"] == pytest.approx(2.001)
    run = m.rt.recorder.frame("workflows").iloc[0]
    assert run["finished_at"] == pytest.approx(4.001)  # 2 + 2, not 2 + 2 + 2


def test_max_parallel_workflows_is_never_exceeded():
    m = mesh(one_action(parallel=3), kernels=fixed_kernels(latency=1.0))
    for i in range(20):
        at(m.env, i * 0.05, lambda i=i: m.bus.publish(kpi(i)))
    m.env.run()
    runs = m.rt.recorder.frame("workflows")
    assert len(runs) == 20 and set(runs["outcome"]) == {"completed"}
    moments = sorted([(t, 1) for t in runs["started_at"]] + [(t, -1) for t in runs["finished_at"]])
    running = peak = 0
    for _, step in moments:
        running += step
        peak = max(peak, running)
    assert peak == 3 and m.engine.peak_running == 3
    assert (runs["started_at"] >= runs["triggered_at"]).all() and (runs["started_at"] > runs["triggered_at"]).any()


def test_a_full_engine_queue_sends_runs_to_the_dead_letter_queue():
    m = mesh(one_action(parallel=1), kernels=fixed_kernels(latency=1.0), engine=EngineConfig(queue_capacity=2))
    for i in range(5):
        m.bus.publish(kpi(i))
    m.env.run()
    assert m.engine.completed == 3 and m.engine.overflowed == 2 and len(m.engine.dead_letters) == 2
    assert len(m.audit.query(action="shed_engine_queue_full")) == 2


def test_lifecycle_events_are_published_in_order():
    m = mesh(one_action(), kernels=fixed_kernels(latency=0.5))
    seen = []
    m.bus.subscribe("workflow.*", "watch", lambda e: seen.append((e.type, e.depth)))
    m.bus.publish(kpi(1))
    m.env.run()
    assert seen == [("workflow.started", 1), ("workflow.action_executed", 1), ("workflow.completed", 1)]


def test_parameters_are_rendered_from_the_payload():
    m = mesh(one_action(), kernels=fixed_kernels())
    params = []
    call = m.kernels.call
    m.kernels.call = lambda k, a, p, *rest: (params.append(p), call(k, a, p, *rest))[1]
    m.bus.publish(kpi(1, component="ingress"))
    m.env.run()
    assert params == [{"component_id": "ingress"}]
