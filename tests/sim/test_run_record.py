"""The run record: the typed journal, its schema version, RunResult's tables and the run-directory layout."""
from __future__ import annotations

import json
import math
import shlex

import pydantic
import pytest
import yaml

from chaosbench.sim.run import layout
from chaosbench.sim.run.record import SCHEMA, Journal, JournalError, RunResult, journal_from_json
from chaosbench.sim.run.rundir import read_journal, read_run, write_run
from chaosbench.sim.run.runner import reproduce_command, run_scenario, setting_text
from chaosbench.sim.run.verdict import Verdict, is_canary, verdict
from chaosbench.sim.scenario.loader import load_scenario, scenario_from_document
from chaosbench.sim.scenario.overrides import parse_setting
from tests.conftest import ROOT, mmc_document

#: A short shipped scenario that records every table: faults, the watchdog, the immune kernel...
EVERY_TABLE = ROOT / "scenarios" / "dirt" / "kernel_kill_restart.yaml"


@pytest.fixture(scope="module")
def result() -> RunResult:
    return run_scenario(load_scenario(EVERY_TABLE), seed=1, file="scenarios/dirt/kernel_kill_restart.yaml")


def test_every_table_a_run_records_is_in_the_layout_and_a_property_of_the_result(result):
    assert set(result.tables) == set(layout.TABLES)
    for name in layout.TABLES:
        assert getattr(result, name) is result.tables[name]
    assert set(layout.REQUIRED_TABLES) <= set(layout.TABLES)


def test_a_table_the_run_did_not_record_is_an_empty_frame_or_none():
    quiet = run_scenario(scenario_from_document(mmc_document(duration="30s", warmup="0s"), "q.yaml"), seed=1)
    assert quiet.faults.empty and quiet.table("faults") is None
    assert len(quiet.tasks) == quiet.journal.counts.tasks_created


def test_the_journal_is_frozen(result):
    with pytest.raises(pydantic.ValidationError):
        result.journal.passed = not result.journal.passed  # type: ignore[misc]


def test_a_written_run_reads_back_as_the_same_journal_and_tables(result, tmp_path):
    out = write_run(result, tmp_path / "run")
    again = read_run(out)
    assert again.journal == result.journal
    assert set(again.tables) == set(result.tables)
    assert len(again.faults) == len(result.faults)
    written = json.loads(layout.journal_path(out).read_text())
    assert written["schema"] == SCHEMA
    assert written["counts"]["tasks_created"] == result.journal.counts.tasks_created
    assert written["counts"]["router.events_received"] == result.journal.counts.counter("router.events_received")


def test_a_value_that_is_not_finite_is_null_in_json_and_nan_when_read_back(result):
    probe = result.journal.probes[0]
    journal = result.journal.model_copy(update={"probes": [probe.model_copy(update={"value": math.inf})]})
    data = journal.to_json()
    assert data["probes"][0]["value"] is None
    assert math.isnan(journal_from_json(json.dumps(data)).probes[0].value)


def test_a_journal_of_a_newer_major_version_is_refused_naming_the_file_and_version(result, tmp_path):
    out = write_run(result, tmp_path / "run")
    path = layout.journal_path(out)
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "schema": "3.0"}))
    with pytest.raises(JournalError, match=rf"{path}: journal schema 3\.0 is newer"):
        read_journal(out)


def test_a_journal_of_a_newer_minor_version_is_read_and_its_new_keys_ignored(result):
    data = {**result.journal.to_json(), "schema": f"{SCHEMA.split('.')[0]}.9", "added_later": [1, 2]}
    assert journal_from_json(json.dumps(data)).trace_digest == result.journal.trace_digest


def test_a_journal_without_a_schema_is_read_as_the_first_version(result):
    data = result.journal.to_json()
    del data["schema"]
    assert journal_from_json(json.dumps(data)).schema_version == SCHEMA


def test_each_probe_is_recorded_with_its_id_kind_parameters_unit_structured_bound_and_margin(result):
    written = result.journal.to_json()["probes"]
    assert [probe["id"] for probe in written] == ["sla_compliance[critical]", "dead_letter_count", "unanswered_events",
                                                 "recovery_time"]
    first = written[0]
    assert list(first) == ["id", "kind", "params", "value", "unit", "bound", "margin", "passed"]
    assert first["kind"] == "sla_compliance" and first["params"] == {"priority": "critical"}
    assert first["unit"] == "ratio" and first["bound"] == {"op": ">=", "value": 0.99, "unit": "ratio"}
    assert first["margin"] == pytest.approx(first["value"] - 0.99)
    recovery = result.journal.probe("recovery_time")
    assert recovery.bound.op == "<=" and str(recovery.bound) == "<= 120s"
    assert recovery.margin == pytest.approx(120 - recovery.value)


def test_a_journal_of_schema_1_is_read_with_ids_taken_from_its_scenario(result):
    """Schema 1 wrote ``{name, value, bound: text, passed}``; its parameters give each probe's own parameters."""
    data = result.journal.to_json()
    steady = [{"sla_compliance": {"priority": "critical", "min": 0.99}},
              {"sla_compliance": {"priority": "high", "min": 0.99}}, {"recovery_time": {"max": 120.0}}]
    data.update(schema="1.0", parameters={**data["parameters"], "steady_state": steady}, probes=[
        {"name": "sla_compliance", "value": 1.0, "bound": ">= 0.99", "passed": True},
        {"name": "sla_compliance", "value": 0.5, "bound": ">= 0.99", "passed": False},
        {"name": "recovery_time", "value": None, "bound": "<= 120s", "passed": False}])
    journal = journal_from_json(json.dumps(data))
    assert [probe.id for probe in journal.probes] == ["sla_compliance[critical]", "sla_compliance[high]",
                                                      "recovery_time"]
    high = journal.probes[1]
    assert high.bound.value == 0.99 and high.margin == pytest.approx(-0.49) and high.unit == "ratio"
    assert journal.probes[2].bound.unit == "s" and math.isnan(journal.probes[2].margin)
    assert journal.schema_version == SCHEMA


def test_schema_1_probes_without_their_scenario_keep_unique_ids(result):
    data = result.journal.to_json()
    data.update(schema="1.0", parameters={}, probes=[
        {"name": "latency", "value": 1.0, "bound": "<= 2s", "passed": True},
        {"name": "latency", "value": 3.0, "bound": "<= 2s", "passed": False}])
    assert [probe.id for probe in journal_from_json(json.dumps(data)).probes] == ["latency", "latency#2"]


@pytest.mark.parametrize("text, problem", [
    ("{not json", "not JSON"),
    ("[1, 2]", r"not a run journal \(expected a JSON object\)"),
    ('{"scenario": "x"}', "not a run journal: "),
])
def test_what_is_not_a_journal_is_refused_naming_the_source(text, problem):
    with pytest.raises(JournalError, match=f"somewhere/journal.json: {problem}"):
        journal_from_json(text, "somewhere/journal.json")


def test_a_missing_journal_is_refused_naming_the_file(tmp_path):
    with pytest.raises(JournalError, match=str(tmp_path / "journal.json")):
        read_journal(tmp_path)


def test_the_reproduce_command_repeats_each_setting_as_the_command_line_reads_it_back():
    settings = [("stack.htm.workers", 7), ("title", "a b"), ("x", False), ("y", 1.5), ("z", "off"), ("w", "7")]
    command = reproduce_command("s.yaml", 3, 2, settings)
    assert command.startswith("chaosbench run s.yaml --seed 3 --level 2 --set stack.htm.workers=7 --set 'title=a b' "
                              "--set x=false --set y=1.5 --set ")
    words = shlex.split(command)
    read_back = [parse_setting(words[index + 1]) for index, word in enumerate(words) if word == "--set"]
    assert [(path, values[0][0]) for path, values in read_back] == settings
    assert setting_text([1, 2]) == "[1, 2]" and yaml.safe_load(setting_text(None)) is None


def test_run_scenario_puts_the_settings_into_the_journal_from_the_start():
    scenario = scenario_from_document(mmc_document(duration="20s", warmup="0s"), "m.yaml")
    result = run_scenario(scenario, seed=4, level=0, file="m.yaml", settings=[("stack.htm.workers", 4)])
    assert result.journal.reproduce == "chaosbench run m.yaml --seed 4 --level 0 --set stack.htm.workers=4"


def test_the_layout_names_runs_and_hides_staging_folders(tmp_path):
    run_dir = layout.default_run_dir("storm", 2, 7, tmp_path)
    assert run_dir == tmp_path / "storm" / "level2-seed7"
    assert layout.is_hidden(tmp_path / "storm" / ".level2-seed7.abc", tmp_path)
    assert layout.is_hidden(layout.retired_dir(run_dir), tmp_path)
    assert not layout.is_hidden(run_dir, tmp_path)


def test_one_canary_rule_a_canary_passes_by_failing():
    assert is_canary("canary_x", []) and is_canary("x", ["canary"]) and not is_canary("x", [])
    assert verdict(passed=False, canary=True) is Verdict.EXPECTED_FAILURE and Verdict.EXPECTED_FAILURE.ok
    assert verdict(passed=True, canary=True) is Verdict.CANARY_PASSED and not Verdict.CANARY_PASSED.ok
    assert verdict(passed=True, canary=False).ok and not verdict(passed=False, canary=False).ok


def test_the_context_names_the_host_the_start_and_the_commit_of_a_scenario_in_git(result):
    context = result.journal.context
    assert context.host and context.started_at.endswith("+00:00")
    assert len(context.git_commit) == 40  # the shipped scenario is in this checkout's repository
    elsewhere = run_scenario(scenario_from_document(mmc_document(duration="20s", warmup="0s"), "m.yaml"), seed=1,
                             file="/nonexistent/m.yaml")
    assert elsewhere.journal.context.git_commit == "" and not elsewhere.journal.context.git_dirty


def test_the_journal_model_lists_every_key_of_the_design():
    keys = {field.alias or name for name, field in Journal.model_fields.items()}
    assert {"scenario", "file", "seed", "level", "parameters", "passed", "probes", "safeguards", "invariants",
            "counts", "trace_digest", "sim_time", "wall_time_s", "events_processed", "reproduce", "versions",
            "schema", "context"} <= keys
