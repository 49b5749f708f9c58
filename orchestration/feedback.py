"""The loops that make the stack one system: what one component hears of another.

The components are built apart (see :mod:`.stack`); this module connects what
one observes to what another does, as the design documents wire them:

* an SLA breach in the task manager is published as ``task.sla_breach``
  (grouped per priority), which the SLA rule escalates;
* the stack's memory writes (workflow runs to the execution logs, governance
  violations to the governance decisions, trust changes to the trust scores)
  raise ``db.table_updated``, which the critical-table audit answers;
* a source whose events end in failed workflows loses trust (and regains
  some with each one that completes), and so does a kernel whose calls fail
  (each ``system.api_error`` debits it); the mesh guard holds back the events
  of an untrusted source until its trust has recovered;
* the learning loop records which workflow resolved, or not, which incident;
* what the kernels do when a workflow or a rule calls them: healing actions
  bring a component back (a kernel restarted, with the dead-lettered
  workflow runs replayed, a paused dispatcher resumed,
  the workers restarted, a degraded boot chunk validated again), a trust review restores a component's trust,
  the hunter's analysis of an unknown actor quarantines it at the governance
  gate, the main agent's verdict on a governance violation by a registered
  client that the gate still refuses quarantines it too, and an escalation
  to a human pages the operator, who comes back if away;
* what the learning kernel does with what the monitors and the immune kernel
  report: a warning about the task manager's SLA compliance adapts the SLA
  escalation threshold (waiting tasks are escalated sooner); a kernel's
  degraded test quality records its latency pattern, and the workflow engine
  waits for that kernel's calls ``learning.patience`` times its mean latency
  (at least the action's own timeout); a kernel's improved test quality is
  tracked by replaying the workflow runs that failed for want of it; and a
  successful healing's metrics reach the learning loop, which ranks that
  playbook first for its signature next time;
* governance's audit of a change to a critical table writes the change to the
  audit log.
"""
from __future__ import annotations

from typing import Any, Protocol

from chaosbench.orchestration.config import StackConfig
from chaosbench.orchestration.core.memory import MemoryWriter
from chaosbench.orchestration.core.wiring import Announce, Wiring
from chaosbench.orchestration.governance.gate import GovernanceGate
from chaosbench.orchestration.governance.operator import Operator
from chaosbench.orchestration.governance.trust import TrustScorer
from chaosbench.orchestration.mesh.bus import EventBus
from chaosbench.orchestration.mesh.engine import WorkflowEngine
from chaosbench.orchestration.mesh.events import Event
from chaosbench.orchestration.mesh.kernels import Kernels
from chaosbench.orchestration.mesh.workflow_spec import Workflow
from chaosbench.orchestration.resilience.boot import BootOrchestrator
from chaosbench.orchestration.resilience.learning import WorkflowLearning
from chaosbench.orchestration.tasks.alerts import BreachAlerts
from chaosbench.orchestration.tasks.manager import TaskManager
from chaosbench.orchestration.tasks.workers import WorkerPool

#: How an audit entry of governance's audit of a critical-table change is marked (its ``how``).
AUDIT_CHANGE = "governance.audit_change"


class Assembled(Protocol):
    """The components of a built stack that the loops connect."""

    config: StackConfig
    wiring: Wiring
    htm: TaskManager
    pool: WorkerPool
    engine: WorkflowEngine
    kernels: Kernels
    trust: TrustScorer
    gate: GovernanceGate
    operator: Operator
    memory: MemoryWriter
    learning: WorkflowLearning
    bus: EventBus
    boot: BootOrchestrator

    def _announcer(self, source: str) -> Announce:
        """How the component ``source`` publishes what it observes."""


def wire_feedback(stack: Assembled) -> None:
    """Connect the components of ``stack`` to one another."""
    config = stack.config
    if config.is_on(config.htm.breach_alerts):
        alerts = BreachAlerts(stack.wiring, config.htm.breach_alerts, stack._announcer("htm"))
        stack.htm.on_breach.append(alerts.on_breach)
    _memory_writes(stack)
    _trust_and_learning(stack)
    _kernel_effects(stack)
    _learning_kernel_effects(stack)


def _memory_writes(stack: Assembled) -> None:
    write = stack.memory.write
    stack.engine.on_complete.append(lambda _workflow, _event, _took: write("execution_logs", "insert"))
    stack.engine.on_failure.append(lambda _workflow, _event, _reason: write("execution_logs", "insert"))
    stack.gate.on_violation.append(lambda _actor, _action, _denied: write("governance_decisions", "insert"))
    stack.trust.listeners.append(lambda _component, _old, _new: write("trust_scores", "update"))


def _trust_and_learning(stack: Assembled) -> None:
    trust, learning = stack.trust, stack.learning

    def failed(workflow: Workflow, event: Event, _reason: str) -> None:
        trust.failure(event.source)
        learning.record(event.type, workflow.name, False)

    def completed(workflow: Workflow, event: Event, took: float) -> None:
        trust.success(event.source)
        learning.record(event.type, workflow.name, True, took)

    def kernel_failed(event: Event) -> None:
        endpoint = event.payload.get("endpoint") if isinstance(event.payload, dict) else None
        if isinstance(endpoint, str):
            trust.failure(endpoint.partition(".")[0])

    stack.engine.on_failure.append(failed)
    stack.engine.on_complete.append(completed)
    stack.bus.subscribe("system.api_error", "trust_scorer", kernel_failed)


def _kernel_effects(stack: Assembled) -> None:
    kernels, htm, pool, trust, gate, boot = stack.kernels, stack.htm, stack.pool, stack.trust, stack.gate, stack.boot
    operator = stack.operator
    engine, workers = stack.engine, stack.config.htm.workers

    def heal(params: Any) -> None:
        component = params.get("component_id") if isinstance(params, dict) else None
        if component in kernels.names and not kernels.healthy(component):
            kernels.bring_up(component)
            engine.replay_dead_letters()
        elif component == "htm" and htm.paused:
            htm.resume()
        elif component == "worker_pool" and htm.workers < workers:
            pool.restart_all()
        elif isinstance(component, str) and component in boot.failures:
            boot.revalidate(component)

    def review(params: Any) -> None:
        if isinstance(params, dict) and isinstance(params.get("component_id"), str):
            trust.restore(params["component_id"], trust.config.min_trust)

    def analyze(params: Any) -> None:
        actor = params.get("component_id") if isinstance(params, dict) else None
        if isinstance(actor, str) and not gate.known(actor):
            gate.quarantine(actor)

    def route(params: Any) -> None:
        # The main agent's verdict on a governance violation: a registered client the gate still refuses
        # loses its access; the stack's own components are left to the trust review, unknown actors to the hunter.
        actor = params.get("component_id") if isinstance(params, dict) else None
        if isinstance(actor, str) and gate.registered(actor) and not gate.authorized(actor):
            gate.quarantine(actor, "the main agent revoked a registered client that violated governance")

    for action in ("self_heal.restart_component", "self_heal.run_playbook", "avn_core.escalate_healing"):
        kernels.effects[action] = heal
    def page(_params: Any) -> None:
        operator.set_available(True)

    kernels.effects["governance.review_trust"] = review
    kernels.effects["governance.escalate"] = page
    kernels.effects["hunter.analyze"] = analyze
    kernels.effects["unified_logic.route"] = route


def _learning_kernel_effects(stack: Assembled) -> None:
    kernels, engine, learning, escalator = stack.kernels, stack.engine, stack.learning, stack.htm.escalator
    patience, audit = stack.config.learning.patience, stack.wiring.audit

    def adapt_thresholds(params: Any) -> None:
        # Only the task manager's SLA compliance has a threshold of the stack's own to adapt.
        metric = params.get("metric") if isinstance(params, dict) else None
        if escalator is not None and isinstance(metric, str) and metric.startswith("sla_compliance.") \
                and params.get("component_id") == "htm":
            escalator.adapt()

    def record_pattern(params: Any) -> None:
        kernel = params.get("component_id") if isinstance(params, dict) else None
        if kernel in kernels.names:
            engine.patience[kernel] = patience * kernels.mean_latency(kernel)

    def track_improvement(params: Any) -> None:
        kernel = params.get("component_id") if isinstance(params, dict) else None
        if kernel in kernels.names:
            engine.patience.pop(kernel, None)
            engine.replay_dead_letters()

    def update_metrics(params: Any) -> None:
        if isinstance(params, dict) and isinstance(params.get("signature"), str) \
                and isinstance(params.get("playbook"), str):
            took = params.get("attempt_s")  # the healing attempt's own time, as a failed attempt is recorded
            learning.record(params["signature"], params["playbook"], True,
                            float(took) if isinstance(took, (int, float)) else 0.0)

    def audit_change(params: Any) -> None:
        if isinstance(params, dict) and isinstance(params.get("table"), str):
            audit.record(who="governance", what=f"audit {params.get('operation')} of {params['table']}",
                         where=params["table"], why="a change to a critical table", how=AUDIT_CHANGE)

    kernels.effects["learning_kernel.adapt_thresholds"] = adapt_thresholds
    kernels.effects["learning_kernel.record_pattern"] = record_pattern
    kernels.effects["learning_kernel.track_improvement"] = track_improvement
    kernels.effects["learning_kernel.update_metrics"] = update_metrics
    kernels.effects["governance.audit_change"] = audit_change
