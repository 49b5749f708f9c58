"""``chaosbench workflows``: list, show, validate and stats, and the refusals with exit 2."""
from __future__ import annotations

import json

import pytest
import yaml

from chaosbench.cli.main import main

GOOD = """
configuration: {rate_limiting: {enabled: false}}
workflows:
  - name: heal
    trigger: {event_type: kpi.threshold_breach, filters: ['payload.value > 1']}
    actions:
      - target: avn_core.escalate_healing
        parameters: {component_id: "{{ payload.component_id }}"}
"""


def write(tmp_path, text: str, name: str = "workflows.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_list_shows_the_nine_packaged_workflows(capsys):
    assert main(["workflows", "list", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert len(listing["workflows"]) == 9 and listing["configuration"]["max_parallel_workflows"] == 10
    assert listing["workflows"][8]["parallel_groups"] == 1


def test_show_prints_one_workflow_and_refuses_an_unknown_name(capsys):
    assert main(["workflows", "show", "db_critical_audit"]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["actions"][0]["target"] == "governance.audit_change"
    assert main(["workflows", "show", "nope"]) == 2
    assert "no workflow named 'nope'" in capsys.readouterr().err


def test_validate_accepts_good_workflow_and_rule_files(tmp_path, capsys):
    rules = write(tmp_path, "rules: [{name: r, events: ['kpi.*'], actions: [log_only]}]\n", "rules.yaml")
    assert main(["workflows", "validate", str(write(tmp_path, GOOD)), str(rules)]) == 0
    assert "2 of 2 files valid" in capsys.readouterr().out
    assert main(["workflows", "validate"]) == 0


@pytest.mark.parametrize(
    "old, new, field",
    [
        ("kpi.threshold_breach", "kpi.imaginary", "workflows[0].trigger.event_type"),
        ("- target: avn_core.escalate_healing", "- name: nothing", "workflows[0].actions[0].target"),
        ("avn_core.escalate_healing", "oracle.escalate_healing", "workflows[0].actions[0].target"),
        ("configuration: {rate_limiting: {enabled: false}}",
         "configuration: {retry_policy: {max_attempts: 3, initial_interval_ms: 9000, max_interval_ms: 10}}",
         "configuration.retry_policy"),
    ],
)
def test_malformed_workflow_files_fail_validation_with_exit_2_naming_the_field(tmp_path, capsys, old, new, field):
    path = write(tmp_path, GOOD.replace(old, new))
    assert main(["workflows", "validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: {field}:" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "old, new",
    [
        ("{{ payload.component_id }}", "{{ payload.__class__ }}"),
        ("{{ payload.component_id }}", "{{ __import__('os') }}"),
        ("{{ payload.component_id }}", "{{ payload.component_id.upper() }}"),
        ("'payload.value > 1'", "'__import__(\"os\").system(\"touch pwned\")'"),
        ("'payload.value > 1'", "'payload.value > len(payload)'"),
        ("configuration:", "evil: !!python/object/apply:os.system ['touch pwned']\nconfiguration:"),
    ],
)
def test_templates_filters_and_tags_that_reach_code_are_refused_with_exit_2(tmp_path, capsys, monkeypatch, old, new):
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path, GOOD.replace(old, new))
    assert main(["workflows", "validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "Traceback" not in err
    assert not (tmp_path / "pwned").exists()


def test_a_scenario_whose_workflow_file_reaches_for_code_is_refused_and_nothing_runs(tmp_path, capsys):
    workflows = write(tmp_path, GOOD.replace("{{ payload.component_id }}", "{{ payload.__globals__ }}"))
    scenario = write(tmp_path, yaml.safe_dump({
        "name": "bad_mesh", "duration": "10s",
        "stack": {"workflows": {"file": str(workflows)}},
        "workload": [{"events": {"rate": "10/s", "types": {"kpi.threshold_breach": 1.0}}}],
    }), "scenario.yaml")
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "workflows[0].actions[0].parameters.component_id" in err and "refused" in err
    assert not out.exists()


def test_stats_reports_the_router_statistics_of_a_run(tmp_path, capsys):
    scenario = write(tmp_path, yaml.safe_dump({
        "name": "small_mesh", "duration": "20s",
        "workload": [{"events": {"rate": "50/s", "duplicate_fraction": 0.1,
                                 "types": {"kpi.threshold_breach": 1.0},
                                 "payloads": {"kpi.threshold_breach": {"severity": "CRITICAL"}}}}],
    }), "scenario.yaml")
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--out", str(out), "--json"]) == 0
    capsys.readouterr()
    assert main(["workflows", "stats", str(out), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)["stats"]
    assert stats["router"]["events_received"] > 900 and stats["router"]["deduplicated"] > 0
    assert stats["router"]["workflows_triggered"] == stats["engine"]["started"] > 0
    assert stats["per_second"]["seconds"] == 20
    # The stream's breaches start kpi_critical_healing; the stack's own events may start others beside it.
    assert sum(workflow["runs"] for workflow in stats["workflows"].values()) == stats["engine"]["started"]
    assert stats["workflows"]["kpi_critical_healing"]["runs"] > 0
    assert main(["workflows", "stats", str(out)]) == 0
    assert "events_received" in capsys.readouterr().out
    assert main(["workflows", "stats", str(tmp_path / "missing")]) == 2
