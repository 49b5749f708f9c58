"""Throughput of the event side: bus + router for unmatched events, and one-action workflow runs.

Prints events per wall-clock second through the bus and the router for
events that match no workflow -- delivered to the mesh, deduplicated,
schema-checked and rejected by every workflow's filters (target ≥ 100,000/s), and one-action workflow
executions per wall-clock second (target ≥ 20,000/s), with and without
lifecycle events on the bus.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import simpy
from simpy.events import ProcessGenerator

from chaosbench.orchestration.core.wiring import Wiring
from chaosbench.orchestration.mesh.bus import EventBus
from chaosbench.orchestration.mesh.engine import EngineConfig, WorkflowEngine
from chaosbench.orchestration.mesh.event_schema import EventSchemas
from chaosbench.orchestration.mesh.events import Event
from chaosbench.orchestration.mesh.kernels import Kernels, KernelsConfig, KernelSpec
from chaosbench.orchestration.mesh.registry import WorkflowRegistry, WorkflowsConfig
from chaosbench.orchestration.mesh.router import EventRouter
from chaosbench.orchestration.mesh.workflow_spec import compile_workflows
from chaosbench.orchestration.stack import Stack
from chaosbench.sim.run.runtime import SimRuntime

UNMATCHED = 500_000
EXECUTIONS = 100_000
BATCH = 100  # events published per simulated millisecond

ONE_ACTION = {
    "configuration": {"max_parallel_workflows": 10_000, "rate_limiting": {"enabled": False}},
    "workflows": [
        {
            "name": "one",
            "trigger": {"event_type": "kpi.metric_updated"},
            "actions": [
                {"target": "learning_kernel.update_metrics", "parameters": {"c": "{{ payload.component_id }}"}}
            ],
        }
    ],
}


def _publisher(env: simpy.Environment, publish: Callable[[Event], object], event_type: str, count: int,
               payload: dict[str, Any]) -> ProcessGenerator:
    sent = 0
    while sent < count:
        now = env.now
        for _ in range(BATCH):
            publish(Event("bench", sent, event_type, now, payload))
            sent += 1
        yield env.timeout(0.001)


#: A KPI breach of severity INFO: delivered to the mesh, checked, and filtered out by both KPI workflows.
INFO_BREACH = {"metric_name": "latency", "component_id": "db", "value": 1.0, "severity": "INFO"}


def bus_router_unmatched(count: int = UNMATCHED) -> float:
    """Events per second through bus and router (dedup, schema check, filters) that trigger no workflow."""
    rt = SimRuntime(1)
    wiring = Wiring.of(rt)
    bus = EventBus(wiring)
    registry = WorkflowRegistry.from_config(wiring, WorkflowsConfig())
    engine = WorkflowEngine(wiring, registry, Kernels(wiring, KernelsConfig()), bus)
    router = EventRouter(wiring, registry, engine.dispatch)
    router.attach(bus)
    rt.env.process(_publisher(rt.env, bus.publish, "kpi.threshold_breach", count, INFO_BREACH))
    started = time.perf_counter()
    rt.env.run()
    elapsed = time.perf_counter() - started
    assert router.stats()["events_filtered"] == count
    return count / elapsed


def whole_stack_unmatched(count: int = UNMATCHED // 2) -> float:
    """The same events through the assembled stack (the mesh and the policy kernel both take them)."""
    rt = SimRuntime(1)
    stack = Stack(rt)
    publisher = rt.env.process(_publisher(rt.env, stack.bus.publish, "kpi.threshold_breach", count, INFO_BREACH))
    started = time.perf_counter()
    # The stack's watchdog and health model never stop: run until the last
    # event is out, then long enough for every delivery to land.
    rt.env.run(until=publisher)
    rt.env.run(until=rt.env.now + 1.0)
    return count / (time.perf_counter() - started)


def one_action_runs(count: int = EXECUTIONS, lifecycle: bool = True) -> float:
    """One-action workflow executions per second (kernel latency 10 ms, no failures)."""
    rt = SimRuntime(1)
    schemas = EventSchemas.load()
    wiring = Wiring.of(rt)
    bus = EventBus(wiring)
    spec = KernelSpec(latency=0.01, distribution="fixed", failure_probability=0.0)
    kernels = Kernels(wiring, KernelsConfig(learning_kernel=spec))
    registry = WorkflowRegistry(wiring, schemas, compile_workflows(ONE_ACTION, schemas))
    engine = WorkflowEngine(wiring, registry, kernels, bus, config=EngineConfig(publish_lifecycle=lifecycle))
    router = EventRouter(wiring, registry, engine.dispatch)
    router.attach(bus)
    payload = {"metric_name": "m", "component_id": "c", "value": 1.0}
    rt.env.process(_publisher(rt.env, bus.publish, "kpi.metric_updated", count, payload))
    started = time.perf_counter()
    rt.env.run()
    elapsed = time.perf_counter() - started
    assert engine.completed == count
    return count / elapsed


def main() -> dict[str, float]:
    bus_router_unmatched(20_000)  # warm up
    figures = {
        "bus_router_unmatched": bus_router_unmatched(),
        "stack_unmatched": whole_stack_unmatched(),
        "one_action_runs": one_action_runs(),
        "one_action_runs_quiet": one_action_runs(lifecycle=False),
    }
    unmatched = figures["bus_router_unmatched"]
    print(f"bus + router, events matching no workflow: {unmatched:>10,.0f} events/s (target >= 100,000)")
    print(f"whole stack (mesh + policy), same events:  {figures['stack_unmatched']:>10,.0f} events/s")
    print(f"one-action workflow runs, lifecycle on:    {figures['one_action_runs']:>10,.0f} runs/s (target >= 20,000)")
    print(f"one-action workflow runs, lifecycle off:   {figures['one_action_runs_quiet']:>10,.0f} runs/s")
    return figures


if __name__ == "__main__":
    main()
