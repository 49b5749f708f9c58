"""Properties of the rate limiter, the dedup window and the retry schedule over generated inputs."""
from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chaosbench.orchestration.mesh.router import DedupConfig, RouterConfig
from chaosbench.orchestration.mesh.workflow_spec import Retry

from .events_helpers import at, fixed_kernels, kpi, mesh, one_action

LIMITED = """
configuration: {{rate_limiting: {{enabled: false}}}}
workflows:
  - name: limited
    trigger: {{event_type: kpi.threshold_breach}}
    actions: [{{target: learning_kernel.record_pattern}}]
    rate_limit: {{max_events: {limit}, per_ms: {per_ms}}}
"""

times = st.lists(st.floats(min_value=0, max_value=100, allow_nan=False), min_size=1, max_size=60)
quick = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@quick
@given(arrivals=times, limit=st.integers(1, 5), period=st.sampled_from([1.0, 2.5, 10.0]))
def test_each_window_admits_exactly_the_lesser_of_its_arrivals_and_the_limit(arrivals, limit, period):
    m = mesh(LIMITED.format(limit=limit, per_ms=period * 1000), kernels=fixed_kernels(latency=0.01))
    delivered: list[float] = []  # the instants the router sees, bus latency included
    m.bus.subscribe("kpi.threshold_breach", "clock", lambda e: delivered.append(m.env.now))
    for i, t in enumerate(arrivals):
        at(m.env, t, lambda i=i: m.bus.publish(kpi(i)))
    m.env.run()
    offered: dict[int, int] = {}
    for t in delivered:
        offered[math.floor(t / period)] = offered.get(math.floor(t / period), 0) + 1
    runs = m.rt.recorder.frame("workflows")
    admitted: dict[int, int] = {}
    for t in runs["triggered_at"]:
        admitted[math.floor(t / period)] = admitted.get(math.floor(t / period), 0) + 1
    assert admitted == {w: min(n, limit) for w, n in offered.items()}


@quick
@given(arrivals=st.lists(st.tuples(st.floats(0, 100, allow_nan=False), st.integers(0, 3)), min_size=1, max_size=40))
def test_an_identity_triggers_at_most_once_per_window(arrivals):
    window = 20.0
    m = mesh(one_action(), router=RouterConfig(dedup=DedupConfig(window=window)), kernels=fixed_kernels(latency=0.01))
    for t, key in arrivals:
        at(m.env, t, lambda key=key: m.bus.publish(kpi(key)))
    m.env.run()
    runs = m.rt.recorder.frame("workflows").sort_values("triggered_at")
    for _, group in runs.groupby("event_id"):
        gaps = group["triggered_at"].diff().dropna()
        assert (gaps >= window - 1e-9).all()
    accepted = len(runs)
    assert accepted + m.router.stats()["deduplicated"] == len(arrivals)


@given(
    initial=st.floats(0.0, 10.0),
    coefficient=st.floats(1.0, 4.0),
    cap_extra=st.floats(0.0, 30.0),
    attempt=st.integers(1, 20),
)
def test_backoff_follows_the_formula_and_never_passes_its_cap(initial, coefficient, cap_extra, attempt):
    retry = Retry(5, initial, coefficient, initial + cap_extra)
    delay = retry.delay(attempt)
    assert delay == pytest.approx(min(initial * coefficient ** (attempt - 1), initial + cap_extra))
    assert initial <= delay + 1e-12 and delay <= retry.max_interval
