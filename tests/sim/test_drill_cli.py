"""``chaosbench drill``: records printed and written, exit statuses, bad incident files; validate and list of drills."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from chaosbench.cli.main import main
from chaosbench.sim.drills.records import INCIDENT_COLUMNS
from tests.conftest import ROOT
from tests.sim.drill_helpers import SHIPPED, drill_document

CRASH = {"at": "60s", "kernel_crash": {"kernel": "avn_core"}}
#: A crash that nothing heals: no critical-error rule, no crash-response workflow, no immune kernel.
UNANSWERED = {"policy": {"disabled": ["critical_error"]}, "workflows": {"disabled": ["kernel_crash_response"]},
              "immune": {"enabled": False}}


def test_drill_on_the_shipped_incident_file_exits_0_and_prints_every_record_as_json(capsys, tmp_path):
    out = tmp_path / "run"
    assert main(["drill", str(SHIPPED), "--seed", "1", "--out", str(out), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["passed"] is True and printed["run_dir"] == str(out)
    records = printed["incidents"]
    assert len(records) == 7 and {record["kind"] for record in records} == {
        "kernel_crash", "heartbeat_loss", "sla_breach", "resource_spike", "governance_violation",
        "trust_degradation", "kpi_breach"}
    for record in records:
        assert record["detected_at"] is not None and record["detected_by"] and record["detector"]
        assert record["rules"] or record["workflows"]
        assert record["time_to_heal"] <= record["heal_within"] and record["outcome"] == "healed in time"
    table = pd.read_parquet(out / "incidents.parquet")
    assert tuple(table.columns) == INCIDENT_COLUMNS
    assert list(table["incident"]) == [record["incident"] for record in records]
    journal = json.loads((out / "journal.json").read_text())
    assert journal["passed"] is True and journal["counts"]["drill.healed_in_time"] == 7
    assert journal["parameters"]["incidents"][0]["id"] == "avn-core-crash"


def test_piped_drill_prints_a_tab_separated_line_per_incident_and_the_verdict_on_stderr(capsys, tmp_path):
    assert main(["drill", str(SHIPPED), "--out", str(tmp_path / "run")]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].split("\t")[:3] == ["incident", "kind", "target"]
    assert len(lines) == 8 and all(line.endswith("\thealed in time") for line in lines[1:])
    assert "every_incident  seed 1  PASSED: 7 of 7" in captured.err


def test_a_drill_whose_incident_is_never_healed_exits_1_with_the_reproduce_command(capsys, tmp_path, write_scenario):
    path = write_scenario(drill_document([CRASH], UNANSWERED), "unanswered.yaml")
    assert main(["drill", str(path), "--seed", "5", "--out", str(tmp_path / "run")]) == 1
    captured = capsys.readouterr()
    assert "\tnot healed" in captured.out
    assert f"reproduce: chaosbench drill {path} --seed 5" in captured.err
    journal = json.loads((tmp_path / "run" / "journal.json").read_text())
    assert journal["passed"] is False
    assert journal["findings"] == ["incident kernel_crash-0 (kernel_crash of avn_core) was detected but never healed"]


BAD = [
    ({"incidents": [{"at": "60s", "kernel_crsh": {"kernel": "avn_core"}}]},
     "incidents[0]: unknown incident 'kernel_crsh'; did you mean 'kernel_crash'?"),
    ({"incidents": [{"at": "60s", "heartbeat_loss": {"kernel": "hunter"}}]},
     "incidents[0].heartbeat_loss.kernel: the heartbeat monitor does not watch 'hunter'"),
    ({"incidents": [{"at": "60s", "kpi_breach": {"kernel": "avn_core"}}]},
     "incidents[0].kpi_breach.kernel: the heartbeat monitor watches 'avn_core', so its hang is a heartbeat_loss"),
    ({"incidents": [{"at": "60s", "sla_breach": {"work": "1s", "sla": "2s"}}]},
     "incidents[0].sla_breach: expected an sla shorter than the work (1s)"),
    ({"incidents": [{"id": "x", **CRASH}, {"id": "x", **CRASH}]}, "incidents[1].id: 'x' names incidents[0] already"),
    ({"incidents": [{"at": "60s", "governance_violation": {"actor": "client_app"}}]},
     "incidents[0].governance_violation.actor: the governance gate knows 'client_app'"),
    ({"incidents": [{"at": "60s", "trust_degradation": {"component": "hunter", "failures": 1}}]},
     "incidents[0].trust_degradation.failures: 1 failure(s) leave trust at 0.75, not below 0.5; expected at least 3"),
    ({"duration": "1m", "incidents": [CRASH]}, "incidents[0].at: the incident happens at 60s, at or after the end"),
    ({"incidents": [{"at": "60s", "resource_spike": {}}]}, "incidents[0].resource_spike: expected cpu or memory"),
    ({"incidents": None}, "incidents: missing required field"),
]


@pytest.mark.parametrize(("change", "message"), BAD, ids=[message.split(":")[0] for _, message in BAD])
def test_a_bad_incident_file_exits_2_with_one_line_naming_file_field_and_expectation(capsys, tmp_path, write_scenario,
                                                                                      change, message):
    document = {key: value for key, value in {**drill_document([CRASH]), **change}.items() if value is not None}
    path = write_scenario(document, "bad.yaml")
    assert main(["drill", str(path), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{path}: {message}") and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err and not (tmp_path / "run").exists()


def test_validate_and_list_read_incident_files_as_drills(capsys, tmp_path, write_scenario):
    assert main(["validate", str(ROOT / "scenarios"), "--json"]) == 0
    files = json.loads(capsys.readouterr().out)["files"]
    assert {"file": str(SHIPPED), "kind": "drill", "valid": True, "name": "every_incident", "incidents": 7} in files
    assert main(["list", str(ROOT / "scenarios" / "drills"), "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)["scenarios"]
    assert row["name"] == "every_incident" and row["incidents"][0] == "kernel_crash"
    drills = tmp_path / "drills"
    drills.mkdir()
    (drills / "broken.yaml").write_text("name: broken\nincidents: [{at: 1m, kernel_crash: {kernel: nope}}]\n")
    assert main(["validate", str(drills)]) == 2
    assert "broken.yaml: incidents[0].kernel_crash.kernel: unknown kernel 'nope'" in capsys.readouterr().err


def test_the_same_seed_prints_the_same_records_in_another_process(tmp_path):
    def records(hash_seed: str, out: str) -> list[dict]:
        done = subprocess.run([sys.executable, "-m", "chaosbench", "drill", str(SHIPPED), "--seed", "2", "--json",
                               "--out", str(tmp_path / out)], capture_output=True, text=True, cwd=tmp_path,
                              env={**os.environ, "PYTHONHASHSEED": hash_seed}, check=True)
        return json.loads(done.stdout)["incidents"]

    assert records("1", "a") == records("77", "b")
