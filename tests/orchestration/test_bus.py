"""The event bus: wildcards, latency, bounded queues, backpressure and fault controls."""
from __future__ import annotations

from chaosbench.orchestration.core.wiring import Wiring
from chaosbench.orchestration.mesh.bus import BusConfig, EventBus
from chaosbench.orchestration.mesh.events import Event
from chaosbench.sim.run.runtime import SimRuntime


def bus_with(config: BusConfig | None = None, seed: int = 1):
    rt = SimRuntime(seed)
    return rt, EventBus(Wiring.of(rt), config or BusConfig())


def events(n: int, type: str = "kpi.metric_updated") -> list[Event]:
    return [Event("src", i, type, 0.0, {}) for i in range(n)]


def test_wildcard_patterns_select_topics():
    rt, bus = bus_with()
    got: dict[str, list[str]] = {"all": [], "kpi": [], "err": [], "exact": []}
    bus.subscribe("*", "all", lambda e: got["all"].append(e.type))
    bus.subscribe("kpi.*", "kpi", lambda e: got["kpi"].append(e.type))
    bus.subscribe("*.critical_error", "err", lambda e: got["err"].append(e.type))
    bus.subscribe("trust.score_updated", "exact", lambda e: got["exact"].append(e.type))
    for t in ("kpi.metric_updated", "system.critical_error", "trust.score_updated", "kpis.other"):
        bus.publish(Event("s", t, t, 0.0, {}))
    rt.env.run()
    assert got == {
        "all": ["kpi.metric_updated", "system.critical_error", "trust.score_updated", "kpis.other"],
        "kpi": ["kpi.metric_updated"],
        "err": ["system.critical_error"],
        "exact": ["trust.score_updated"],
    }
    assert bus.subscription_count == 4
    bus.unsubscribe("kpi")
    assert bus.subscription_count == 3


def test_delivery_happens_after_the_configured_latency():
    rt, bus = bus_with(BusConfig(latency=0.25))
    times = []
    bus.subscribe("*", "s", lambda e: times.append(rt.env.now))
    rt.env.timeout(1.0).callbacks.append(lambda _: bus.publish(Event("s", 1, "x", 1.0, {})))
    rt.env.run()
    assert times == [1.25]


def test_a_full_queue_drops_under_the_drop_policy_and_counts_it():
    rt, bus = bus_with(BusConfig(capacity=5, deliver_rate=10, backpressure="drop"))
    got = []
    sub = bus.subscribe("*", "slow", lambda e: got.append(e.id))
    for e in events(20):
        bus.publish(e)
    rt.env.run()
    assert got == [0, 1, 2, 3, 4]
    assert sub.dropped == 15 and bus.stats()["dropped"] == 15 and sub.max_depth == 5
    assert bus.queue_depth == 0


def test_queue_depth_counts_events_in_transit_including_those_held_back():
    rt, bus = bus_with(BusConfig(capacity=5, deliver_rate=10, backpressure="block"))
    bus.subscribe("*", "slow", lambda e: None)
    bus.subscribe("kpi.*", "roomy", lambda e: None, capacity=100)
    for e in events(20):
        bus.publish(e)
    assert bus.queue_depth == 40
    rt.env.run(until=0.5)
    assert bus.queue_depth == 40 - 2 * 5  # each subscriber took five at 10 per second


def test_a_full_queue_holds_events_under_the_block_policy_and_loses_none():
    rt, bus = bus_with(BusConfig(capacity=5, deliver_rate=10, backpressure="block"))
    got = []
    sub = bus.subscribe("*", "slow", lambda e: got.append((e.id, round(rt.env.now, 6))))
    for e in events(20):
        bus.publish(e)
    rt.env.run()
    assert [i for i, _ in got] == list(range(20))
    assert sub.blocked == 15 and sub.dropped == 0
    # One delivery per 0.1 s: the rate, not the queue bound, sets the pace.
    assert got[-1][1] == round(0.001 + 19 * 0.1, 6)


def test_loss_control_loses_about_the_set_share_and_counts_it():
    rt, bus = bus_with(BusConfig(redelivery={"enabled": False}))
    got = []
    bus.subscribe("*", "s", lambda e: got.append(e.id))
    bus.set_loss(0.3)
    for e in events(10_000):
        bus.publish(e)
    rt.env.run()
    assert bus.lost + len(got) == 10_000 and bus.lost_for_good == bus.lost
    assert 2_700 < bus.lost < 3_300


def test_redelivery_sends_a_lost_event_again_until_it_arrives_and_a_lost_acknowledgement_makes_a_duplicate():
    rt, bus = bus_with(BusConfig(redelivery={"ack_timeout": 0.5, "max_attempts": 5}))
    got = []
    bus.subscribe("*", "s", lambda e: got.append(e.id))
    bus.set_loss(0.3)
    for e in events(10_000):
        bus.publish(e)
    rt.env.run()
    # Lost for good only when five sends in a row are lost (0.3^5: about 24 of 10,000).
    assert set(got) | set(range(10_000)) == set(range(10_000)) and bus.lost_for_good < 60
    assert len(set(got)) == 10_000 - bus.lost_for_good and bus.redelivered > 3_000
    assert len(got) - len(set(got)) > 2_000  # acknowledgements lost as often as events: duplicates


def test_reordered_events_overtake_one_another_without_ordering_and_keep_their_order_with_it():
    def deliveries(ordering):
        rt, bus = bus_with(BusConfig(ordering={"enabled": ordering}))
        got = []
        bus.subscribe("*", "s", lambda e: got.append(e.id))
        bus.set_reorder(0.1)
        for i in range(200):
            timer = rt.env.timeout(i * 0.1)
            timer.callbacks.append(lambda _t, i=i: bus.publish(Event("src", i, "kpi.metric_updated", rt.env.now, {})))
        rt.env.run()
        return got, bus

    unordered, bus = deliveries(False)
    assert sorted(unordered) == list(range(200)) and unordered != list(range(200)) and bus.out_of_order > 0
    ordered, bus = deliveries(True)
    assert ordered == list(range(200)) and bus.out_of_order == 0 and bus.reordered > 0


def test_duplication_control_delivers_the_same_identity_twice():
    rt, bus = bus_with()
    got = []
    bus.subscribe("*", "s", lambda e: got.append(e.id))
    bus.set_duplication(1.0)
    for e in events(3):
        bus.publish(e)
    rt.env.run()
    assert got == [0, 0, 1, 1, 2, 2] and bus.duplicated == 3


def test_reorder_control_changes_the_delivery_order_and_counts_it():
    rt, bus = bus_with(BusConfig(ordering={"enabled": False}))
    got = []
    bus.subscribe("*", "s", lambda e: got.append(e.id))
    bus.set_reorder(0.5)
    for e in events(200):
        bus.publish(e)
    rt.env.run()
    assert sorted(got) == list(range(200)) and got != list(range(200))
    assert bus.reordered > 50


def test_fault_draws_are_reproducible_for_a_seed():
    def run(seed):
        rt, bus = bus_with(seed=seed)
        got = []
        bus.subscribe("*", "s", lambda e: got.append(e.id))
        bus.set_loss(0.5)
        for e in events(100):
            bus.publish(e)
        rt.env.run()
        return got

    assert run(4) == run(4) and run(4) != run(5)


def test_subscription_statistics_are_reported():
    rt, bus = bus_with()
    bus.subscribe("kpi.*", "k", lambda e: None)
    for e in events(3):
        bus.publish(e)
    bus.publish(Event("s", 9, "nobody.listens", 0.0, {}))
    rt.env.run()
    stats = bus.stats()
    assert stats["published"] == 4 and stats["unrouted"] == 1 and stats["delivered"] == 3
    assert stats["subscriptions"]["k"]["delivered"] == 3 and stats["subscriptions"]["k"]["pattern"] == "kpi.*"
