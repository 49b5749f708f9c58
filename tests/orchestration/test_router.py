"""The event router: dedup window, rate limits, filters, payload checks and statistics."""
from __future__ import annotations

from chaosbench.orchestration.mesh.router import DedupConfig, RouterConfig

from .events_helpers import at, kpi, mesh, one_action

LIMITED = """
configuration:
  rate_limiting: {enabled: true, max_events_per_minute: 100}
workflows:
  - name: limited
    trigger: {event_type: kpi.threshold_breach}
    actions: [{target: learning_kernel.record_pattern}]
    rate_limit: {max_events: 3, per_ms: 10000}
"""


def test_dedup_drops_a_redelivery_inside_the_window_and_accepts_it_after():
    m = mesh(one_action(), router=RouterConfig(dedup=DedupConfig(window=30.0)))
    at(m.env, 0.0, lambda: m.bus.publish(kpi(1)))
    at(m.env, 10.0, lambda: m.bus.publish(kpi(1)))  # same (source, id): dropped
    at(m.env, 10.0, lambda: m.bus.publish(kpi(1, source="other")))  # another source: new identity
    at(m.env, 31.0, lambda: m.bus.publish(kpi(1)))  # window over: accepted again
    m.env.run()
    stats = m.router.stats()
    assert stats["deduplicated"] == 1 and stats["workflows_triggered"] == 3
    assert m.rt.recorder.counts["safeguard.dedup"] == 1


def test_without_dedup_a_redelivery_triggers_again():
    m = mesh(one_action(), dedup=False)
    for _ in range(3):
        m.bus.publish(kpi(1))
    m.env.run()
    assert m.router.stats()["workflows_triggered"] == 3 and m.router.stats()["deduplicated"] == 0


def test_a_rate_limit_admits_exactly_the_configured_number_per_window():
    m = mesh(LIMITED)
    # Twenty events in the window [0, 10) and twenty in [10, 20), then five at 25.
    for i in range(20):
        at(m.env, i * 0.4, lambda i=i: m.bus.publish(kpi(i)))
        at(m.env, 10 + i * 0.4, lambda i=i: m.bus.publish(kpi(100 + i)))
    for i in range(5):
        at(m.env, 25.0, lambda i=i: m.bus.publish(kpi(200 + i)))
    m.env.run()
    runs = m.rt.recorder.frame("workflows")
    windows = (runs["triggered_at"] // 10).value_counts().sort_index().tolist()
    assert windows == [3, 3, 3]
    assert m.router.stats()["events_rate_limited"] == 17 + 17 + 2
    assert m.rt.recorder.counts["safeguard.rate_limiter"] == 36
    assert len(m.audit.query(action="shed_rate_limited")) == 36


def test_without_the_rate_limiter_every_event_triggers():
    m = mesh(LIMITED, rate_limiter=False)
    for i in range(20):
        m.bus.publish(kpi(i))
    m.env.run()
    assert m.router.stats()["workflows_triggered"] == 20


FILTERED = """
configuration: {rate_limiting: {enabled: false}}
workflows:
  - name: critical
    trigger:
      event_type: kpi.threshold_breach
      filters: ['payload.severity == "CRITICAL"', {field: payload.component_id, prefix: db}]
    actions: [{target: avn_core.escalate_healing}]
  - name: dropping
    trigger:
      event_type: kpi.threshold_breach
      filters: {delta: {field: payload.value, key: payload.component_id, lt: -5}}
    actions: [{target: learning_kernel.adapt_thresholds}]
"""


def test_filters_select_which_workflows_an_event_triggers_and_the_rest_count_as_filtered():
    m = mesh(FILTERED)
    sent = [
        kpi(1, "CRITICAL", 50, component="db_main"),  # critical; first value of db_main
        kpi(2, "WARNING", 40, component="db_main"),  # value fell by 10: dropping
        kpi(3, "CRITICAL", 39, component="api"),  # not db: nothing
        kpi(4, "INFO", 38, component="db_main"),  # fell by 2: nothing
    ]
    for e in sent:
        m.bus.publish(e)
    m.env.run()
    runs = m.rt.recorder.frame("workflows")
    assert list(zip(runs["workflow"], runs["event_id"], strict=True)) == [("critical", "1"), ("dropping", "2")]
    assert m.router.stats()["events_filtered"] == 2


def test_an_event_whose_payload_breaks_its_schema_is_refused():
    m = mesh(one_action())
    bad = kpi(1)
    bad.payload["value"] = "high"
    m.bus.publish(bad)
    m.env.run()
    stats = m.router.stats()
    assert stats["events_invalid"] == 1 and stats["workflows_triggered"] == 0
    assert m.router.invalid_reasons == {"field 'value' should be number, got str": 1}


def test_statistics_count_every_outcome_and_feed_the_per_second_table():
    m = mesh(FILTERED)
    at(m.env, 0.5, lambda: m.bus.publish(kpi(1, component="db_a")))
    at(m.env, 0.5, lambda: m.bus.publish(kpi(1, component="db_a")))
    at(m.env, 1.5, lambda: m.bus.publish(kpi(2, "INFO", component="api")))
    m.env.run()
    m.router.close()
    counts = m.rt.recorder.counts
    assert counts["router.events_received"] == 3 and counts["router.deduplicated"] == 1
    assert counts["router.workflows_triggered"] == 1 and counts["router.events_filtered"] == 1
    assert counts["router.workflows_failed"] == 0 and counts["router.events_rate_limited"] == 0
    table = m.rt.recorder.frame("events")
    assert table["second"].tolist() == [0, 1]
    assert table["received"].tolist() == [2, 1] and table["triggered"].tolist() == [1, 0]


def test_the_mesh_subscribes_to_the_triggering_types_and_follows_the_registry(tmp_path):
    from chaosbench.orchestration.mesh.events import Event

    m = mesh(FILTERED)
    assert sorted(m.bus.subscriptions) == ["mesh.kpi.threshold_breach"]
    m.bus.publish(Event("x", 1, "db.migration_applied", 0.0, {"migration": "m1"}))
    m.env.run()
    assert m.router.stats()["events_received"] == 0 and m.bus.unrouted == 1
    m.registry.disable("critical")
    assert m.bus.subscription_count == 1
    m.registry.disable("dropping")
    assert m.bus.subscription_count == 0
    other = tmp_path / "other.yaml"
    other.write_text(
        "workflows:\n"
        "  - {name: a, trigger: {event_type: db.table_updated}, actions: [{target: governance.audit_change}]}\n"
        "  - {name: b, trigger: {event_type: trust.score_updated}, actions: [{target: governance.review_trust}]}\n"
    )
    m.registry.reload(other)
    assert sorted(m.bus.subscriptions) == ["mesh.db.table_updated", "mesh.trust.score_updated"]
