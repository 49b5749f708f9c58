"""What the learning kernel's and governance's actions change in the stack, and the policy's extra rules."""
from __future__ import annotations

import pytest

from chaosbench.orchestration.core.errors import DefinitionError
from chaosbench.orchestration.feedback import AUDIT_CHANGE
from chaosbench.orchestration.tasks.model import Priority

from .helpers import build

ADAPT = "learning_kernel.adapt_thresholds"


def _call(runtime, stack, target: str, params: dict) -> None:
    kernel, action = target.split(".")
    stack.kernels.call(kernel, action, params)
    runtime.env.run(until=runtime.env.now + 5.0)


def test_an_sla_compliance_warning_doubles_the_escalation_threshold_up_to_its_cap():
    runtime, stack = build({"htm": {"workers": 1, "escalation": {"adapted_max": 0.3}}})
    _call(runtime, stack, ADAPT, {"component_id": "checkout", "metric": "sla_compliance.low"})  # not the stack's
    seen = [round(stack.htm.escalator.threshold, 6)]
    for _ in range(3):
        _call(runtime, stack, ADAPT, {"component_id": "htm", "metric": "sla_compliance.low"})
        seen.append(round(stack.htm.escalator.threshold, 6))
    assert seen == [0.1, 0.2, 0.3, 0.3]


def test_an_adapted_threshold_escalates_a_waiting_task_sooner():
    runtime, stack = build({"htm": {"workers": 1, "preemption": {"enabled": False}}})
    stack.htm.escalator.adapt()  # 20% of the SLA left
    stack.enqueue("blocker", Priority.CRITICAL, 500.0, 1000.0)
    waiting = stack.enqueue("deploy_model", Priority.HIGH, 1.0, 100.0)
    runtime.env.run(until=80.01)
    assert waiting.priority == Priority.CRITICAL


def test_a_degraded_kernels_recorded_pattern_lengthens_its_calls_timeouts_until_its_improvement_is_tracked():
    runtime, stack = build()
    stack.slow_kernel("avn_core", 100.0)  # a mean of 20 s
    _call(runtime, stack, "learning_kernel.record_pattern", {"component_id": "avn_core", "score": 60.0})
    assert stack.engine.patience == {"avn_core": pytest.approx(5 * 20.0)}
    stack.slow_kernel("avn_core", 1.0)
    _call(runtime, stack, "learning_kernel.track_improvement", {"component_id": "avn_core"})
    assert stack.engine.patience == {}


def test_a_healings_metrics_make_its_playbook_the_recommendation():
    runtime, stack = build()
    assert stack.learning.recommend("kernel_down") is None
    _call(runtime, stack, "learning_kernel.update_metrics",
          {"signature": "kernel_down", "playbook": "redeploy_kernel", "attempt_s": 30.0})
    assert stack.learning.recommend("kernel_down") == "redeploy_kernel"


def test_an_audited_change_is_in_the_audit_log():
    runtime, stack = build()
    _call(runtime, stack, "governance.audit_change", {"table": "trust_scores", "operation": "update"})
    audits = [entry for entry in stack.audit.entries if entry.how == AUDIT_CHANGE]
    assert [(entry.who, entry.where) for entry in audits] == [("governance", "trust_scores")]


def test_extra_rules_come_after_the_rules_files_and_may_not_reuse_a_name():
    rule = {"name": "trust_change_review", "events": ["trust.score_updated"], "actions": ["route_to_main_agent"],
            "priority": "high"}
    _, stack = build({"policy": {"extra_rules": [rule]}})
    names = [r.name for r in stack.policy.rules]
    assert names[-1] == "trust_change_review" and names.index("high_trust_log_only") < len(names) - 1
    with pytest.raises(DefinitionError, match=r"policy\.extra_rules\[0\]\.name"):
        build({"policy": {"extra_rules": [{**rule, "name": "sla_breach"}]}})
    with pytest.raises(DefinitionError, match=r"policy\.extra_rules\[0\]\.events\[0\]"):
        build({"policy": {"extra_rules": [{**rule, "events": ["no.such_event"]}]}})
