"""Event-stream workloads and the 5,000 events/s trigger-mesh scenario end to end."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from pydantic import ValidationError

from chaosbench.cli.main import main
from chaosbench.orchestration.stack import Stack
from chaosbench.sim.run.runtime import SimRuntime
from chaosbench.sim.workloads.events import EventWorkload, start_event_stream
from tests.conftest import ROOT


def stream(**fields) -> EventWorkload:
    return EventWorkload.model_validate({"rate": "100/s", "types": {"kpi.metric_updated": 1.0}, **fields})


def collect(spec: EventWorkload, until: float = 10.0, seed: int = 1):
    rt = SimRuntime(seed)
    stack = Stack(rt)
    seen = []
    stack.bus.subscribe("*", "spy", lambda e: seen.append(e) if e.source.startswith("client") else None)
    start_event_stream(rt, stack, spec, "workload.0", until)
    rt.env.run(until=until + 1)
    return seen


def test_the_stream_publishes_at_the_rate_with_the_type_mix():
    spec = stream(rate="500/s", types={"kpi.metric_updated": 0.75, "db.migration_applied": 0.25})
    seen = collect(spec, until=20.0)
    assert len(seen) == pytest.approx(10_000, rel=0.05)
    share = sum(e.type == "db.migration_applied" for e in seen) / len(seen)
    assert share == pytest.approx(0.25, abs=0.02)
    assert all(e.time < 20.0 for e in seen)


def test_payload_generators_shape_each_field_and_the_schema_fills_the_rest():
    spec = stream(payloads={"kpi.metric_updated": {
        "value": {"uniform": [10, 20]},
        "component_id": {"cycle": {"prefix": "db_", "count": 3}},
        "metric_name": {"choice": ["cpu", "ram"], "weights": [1, 0]},
        "unit": "ms",
    }})
    seen = collect(spec)
    assert seen and all(10 <= e.payload["value"] <= 20 for e in seen)
    assert {e.payload["component_id"] for e in seen} == {"db_0", "db_1", "db_2"}
    assert {e.payload["metric_name"] for e in seen} == {"cpu"} and {e.payload["unit"] for e in seen} == {"ms"}
    defaults = collect(stream())
    assert all(isinstance(e.payload["value"], float) and isinstance(e.payload["component_id"], str) for e in defaults)


def test_a_duplicate_fraction_redelivers_event_identities():
    seen = collect(stream(duplicate_fraction=0.2, sources=3))
    keys = [(e.source, e.id) for e in seen]
    repeated = len(keys) - len(set(keys))
    assert repeated / len(keys) == pytest.approx(0.2, abs=0.05)
    assert {e.source for e in seen} == {"client-0", "client-1", "client-2"}


@pytest.mark.parametrize(
    "fields, fragment",
    [
        ({"types": {"kpi.imaginary": 1.0}}, "unknown event type"),
        ({"types": {"kpi.metric_updated": 0.5}}, "summing to 1"),
        ({"payloads": {"kpi.metric_updated": {"value": {"gauss": 1}}}}, "expected one of choice"),
        ({"payloads": {"kpi.metric_updated": {"value": {"uniform": [5, 1]}}}}, "low <= high"),
        ({"payloads": {"db.table_updated": {"table": "t"}}}, "not one of the stream's types"),
    ],
)
def test_bad_streams_are_refused_with_a_reason(fields, fragment):
    with pytest.raises(ValidationError, match=fragment):
        stream(**fields)


STORM = ROOT / "scenarios" / "events" / "event_stream_5000.yaml"


def test_a_5000_events_per_second_scenario_runs_end_to_end_and_journals_the_router_statistics(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(STORM), "--seed", "1", "--out", str(out)]) == 0
    journal = json.loads((out / "journal.json").read_text())
    counts = journal["counts"]
    assert counts["bus.published"] >= 0.95 * 5000 * 30
    for key in ("events_received", "workflows_triggered", "workflows_failed", "events_filtered",
                "events_rate_limited", "deduplicated"):
        assert f"router.{key}" in counts
    # 60% of the mix has a workflow (kpi.threshold_breach, trust.degradation_detected, db.table_updated).
    assert counts["router.events_received"] == pytest.approx(0.6 * counts["bus.published"], rel=0.05)
    assert counts["router.events_rate_limited"] > 0 and counts["router.deduplicated"] > 0
    assert journal["safeguards"]["missing"] == []
    assert journal["invariants"]["audit_chain"]["held"] and journal["invariants"]["cascade_depth"]["held"]
    events = pd.read_parquet(out / "events.parquet")
    assert events["second"].tolist() == list(range(30))
    assert events["received"].sum() == counts["router.events_received"]
    assert len(pd.read_parquet(out / "workflows.parquet")) == counts["engine.started"]
    assert len(pd.read_parquet(out / "audit.parquet")) == journal["audit"]["entries"]


def test_the_storm_is_deterministic_for_a_seed():
    from chaosbench.sim.run.runner import run_scenario
    from chaosbench.sim.scenario.loader import load_scenario

    scenario = load_scenario(STORM).model_copy(update={"duration": 3.0})
    digests = {run_scenario(scenario, seed=5).journal.trace_digest for _ in range(2)}
    assert len(digests) == 1
    assert run_scenario(scenario, seed=6).journal.trace_digest not in digests
