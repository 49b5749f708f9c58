"""Builders shared by the event-side tests: a mesh wired from a workflow text."""
from __future__ import annotations

from types import SimpleNamespace

from chaosbench.orchestration.core.audit import AuditLog
from chaosbench.orchestration.core.wiring import Wiring
from chaosbench.orchestration.mesh.bus import BusConfig, EventBus
from chaosbench.orchestration.mesh.engine import EngineConfig, WorkflowEngine
from chaosbench.orchestration.mesh.event_schema import EventSchemas
from chaosbench.orchestration.mesh.events import Event
from chaosbench.orchestration.mesh.kernels import Kernels, KernelsConfig, KernelSpec
from chaosbench.orchestration.mesh.registry import WorkflowRegistry
from chaosbench.orchestration.mesh.router import EventRouter, RouterConfig
from chaosbench.orchestration.mesh.workflow_spec import load_workflow_file
from chaosbench.sim.run.runtime import SimRuntime

SCHEMAS = EventSchemas.load()


def fixed_kernels(latency: float = 0.5, failure: float = 0.0) -> KernelsConfig:
    """Every kernel with a fixed latency and the same failure probability."""
    spec = KernelSpec(latency=latency, distribution="fixed", failure_probability=failure)
    return KernelsConfig(**{name: spec for name in KernelsConfig.model_fields})


def mesh(
    workflows: str,
    *,
    kernels: KernelsConfig | None = None,
    engine: EngineConfig | None = None,
    router: RouterConfig | None = None,
    bus: BusConfig | None = None,
    retry: bool = True,
    dead_letter: bool = True,
    dedup: bool = True,
    rate_limiter: bool = True,
    seed: int = 1,
) -> SimpleNamespace:
    """Bus, kernels, registry, engine and router around the workflow file ``workflows``."""
    rt = SimRuntime(seed)
    m = SimpleNamespace(rt=rt, env=rt.env)
    m.audit = AuditLog(rt)
    wiring = Wiring.of(rt, m.audit)
    m.bus = EventBus(wiring, bus or BusConfig())
    m.kernels = Kernels(wiring, kernels or fixed_kernels())
    m.registry = WorkflowRegistry(wiring, SCHEMAS, load_workflow_file("test.yaml", SCHEMAS, text=workflows))
    m.engine = WorkflowEngine(wiring, m.registry, m.kernels, m.bus, engine, retry=retry, dead_letter=dead_letter)
    m.router = EventRouter(wiring, m.registry, m.engine.dispatch, router, dedup=dedup, rate_limiter=rate_limiter)
    m.engine.on_failure.append(m.router.workflow_failed)
    m.router.attach(m.bus)
    return m


def kpi(
    id: int | str, severity: str = "CRITICAL", value: float = 10.0, source: str = "monitor", component: str = "db"
) -> Event:
    payload = {"metric_name": "latency", "component_id": component, "value": value, "severity": severity}
    return Event(source, id, "kpi.threshold_breach", 0.0, payload)


def at(env, time: float, action) -> None:
    """Run ``action()`` at simulated ``time``."""
    env.timeout(time - env.now).callbacks.append(lambda _: action())


ONE_ACTION = """
configuration:
  max_parallel_workflows: {parallel}
  retry_policy: {{max_attempts: {attempts}, initial_interval_ms: 1000, backoff_coefficient: 2, max_interval_ms: 3000}}
  rate_limiting: {{enabled: false}}
workflows:
  - name: heal
    trigger: {{event_type: kpi.threshold_breach}}
    actions:
      - name: escalate
        target: avn_core.escalate_healing
        parameters: {{component_id: "{{{{ payload.component_id }}}}"}}
        timeout_ms: {timeout_ms}
"""


def one_action(parallel: int = 10, attempts: int = 4, timeout_ms: float = 10_000) -> str:
    return ONE_ACTION.format(parallel=parallel, attempts=attempts, timeout_ms=timeout_ms)
