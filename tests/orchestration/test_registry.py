"""The workflow registry: the nine workflows, validation, enable/disable and hot reload."""
from __future__ import annotations

import pytest

from chaosbench.orchestration.core.errors import DefinitionError
from chaosbench.orchestration.core.wiring import Wiring
from chaosbench.orchestration.mesh.registry import WorkflowRegistry, WorkflowsConfig, default_workflow_path
from chaosbench.orchestration.mesh.workflow_spec import load_workflow_file
from chaosbench.sim.run.runtime import SimRuntime

from .events_helpers import SCHEMAS, at, kpi, mesh, one_action

NINE = [
    "kpi_critical_healing", "kpi_warning_adaptation", "trust_degradation_review", "test_quality_critical_healing",
    "test_quality_degraded_learning", "test_quality_improvement_tracking", "healing_recovery_metrics",
    "db_critical_audit", "kernel_crash_response",
]


def test_the_packaged_file_holds_the_nine_workflows_indexed_by_event_type():
    registry = WorkflowRegistry.from_config(Wiring.of(SimRuntime(1)), WorkflowsConfig())
    assert [w.name for w in registry.workflows] == NINE
    breach = [w.name for w in registry.for_type("kpi.threshold_breach")]
    assert breach == ["kpi_critical_healing", "kpi_warning_adaptation"]
    config = registry.configuration
    assert config.max_parallel_workflows == 10 and config.default_timeout_ms == 10_000
    assert config.rate_limiting.max_events_per_minute == 100 and config.retry_policy.max_attempts == 4


def test_disabling_a_workflow_removes_it_from_routing_until_enabled():
    m = mesh(one_action())
    m.registry.disable("heal")
    m.bus.publish(kpi(1))
    m.env.run()
    assert m.engine.started == 0 and m.registry.for_type("kpi.threshold_breach") == ()
    m.registry.enable("heal")
    m.bus.publish(kpi(2))
    m.env.run()
    assert m.engine.started == 1


OTHER = """
configuration: {rate_limiting: {enabled: false}}
workflows:
  - name: replacement
    trigger: {event_type: kpi.threshold_breach}
    actions: [{target: learning_kernel.record_pattern}]
"""


def test_a_reload_at_a_simulated_time_swaps_the_workflows_then(tmp_path):
    m = mesh(one_action())
    path = tmp_path / "other.yaml"
    path.write_text(OTHER)
    m.registry.reload(path, at=10.0)
    for t in (5.0, 15.0):
        at(m.env, t, lambda t=t: m.bus.publish(kpi(int(t))))
    m.env.run()
    runs = m.rt.recorder.frame("workflows")
    assert runs["workflow"].tolist() == ["heal", "replacement"]
    assert m.registry.version == 2 and m.rt.recorder.counts["registry.reloads"] == 1


def test_a_bad_reload_is_refused_when_requested_and_the_old_workflows_stay(tmp_path):
    m = mesh(one_action())
    path = tmp_path / "bad.yaml"
    path.write_text(OTHER.replace("learning_kernel", "oracle"))
    with pytest.raises(DefinitionError, match="unknown kernel 'oracle'"):
        m.registry.reload(path, at=10.0)
    assert [w.name for w in m.registry.workflows] == ["heal"]


BASE = """
workflows:
  - name: w
    trigger: {event_type: kpi.threshold_breach}
    actions: [{target: avn_core.escalate_healing}]
"""


@pytest.mark.parametrize(
    "text, path, message",
    [
        (BASE.replace("kpi.threshold_breach", "kpi.imaginary"),
         "workflows[0].trigger.event_type", "unknown event type"),
        (BASE.replace("{target: avn_core.escalate_healing}", "{name: x}"),
         "workflows[0].actions[0].target", "missing required field"),
        (BASE.replace("avn_core", "oracle"), "workflows[0].actions[0].target", "unknown kernel"),
        (BASE.replace("escalate_healing", "dance"), "workflows[0].actions[0].target", "no action 'dance'"),
        ("configuration: {retry_policy: {max_attempts: 0}}\n" + BASE,
         "configuration.retry_policy.max_attempts", "greater than or equal to 1"),
        ("configuration: {retry_policy: {backoff_coefficient: 0.5}}\n" + BASE,
         "configuration.retry_policy.backoff_coefficient", ""),
        ("configuration: {retry_policy: {max_retries: 3}}\n" + BASE,
         "configuration.retry_policy.max_retries", "unknown field"),
        (BASE + "    on_success: {event_type: healing.nope}\n",
         "workflows[0].on_success.event_type", "unknown event type"),
        (BASE.replace("avn_core.escalate_healing}",
                      "avn_core.escalate_healing, parameters: {x: '{{ payload.__class__ }}'}}"),
         "workflows[0].actions[0].parameters.x", "refused"),
        (BASE.replace("kpi.threshold_breach}", "kpi.threshold_breach, filters: ['__import__(\"os\")']}"),
         "workflows[0].trigger.filters[0]", "not a comparison"),
        (BASE + BASE.replace("workflows:\n", ""), "workflows[1].name", "duplicate workflow name"),
    ],
)
def test_malformed_workflow_files_are_refused_naming_the_field(text, path, message):
    with pytest.raises(DefinitionError) as caught:
        load_workflow_file("bad.yaml", SCHEMAS, text=text)
    assert caught.value.file == "bad.yaml" and caught.value.path == path
    assert message in caught.value.message


def test_a_yaml_tag_that_builds_objects_is_refused():
    with pytest.raises(DefinitionError, match="tags that build objects are not allowed"):
        load_workflow_file("bad.yaml", SCHEMAS, text="workflows: !!python/object/apply:os.system ['true']\n")


def test_the_packaged_file_validates():
    assert len(load_workflow_file(default_workflow_path(), SCHEMAS).workflows) == 9
