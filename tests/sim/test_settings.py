"""``--set`` overrides by dotted path, shared with difficulty ladders, and ``chaosbench run --set``."""
from __future__ import annotations

import json

import pytest

from chaosbench.cli.main import main
from chaosbench.sim.scenario.overrides import scenario_at
from chaosbench.sim.spec.docpath import PathError, assign, locate
from tests.conftest import mmc_document


def test_locate_walks_mappings_and_list_indices():
    document = {"workload": [{"tasks": {"rate": "3/s"}}]}
    parent, key = locate(document, "workload.0.tasks.rate")
    assert parent is document["workload"][0]["tasks"] and key == "rate"


@pytest.mark.parametrize("path, message", [
    ("workload.1.tasks", "no list item '1' at workload"),
    ("workload.x", "no list item 'x' at workload"),
    ("stack.htm", "does not exist in the scenario (no 'stack')"),
    ("workload.0.tasks.rate.unit", "goes through 'workload.0.tasks.rate', which holds a value"),
])
def test_locate_names_what_is_missing(path, message):
    with pytest.raises(PathError, match=message.replace("(", r"\(").replace(")", r"\)")):
        locate({"workload": [{"tasks": {"rate": "3/s"}}]}, path)


def test_assign_adds_missing_mapping_keys_but_never_list_items():
    document = {"workload": []}
    assign(document, "stack.htm.workers", 6)
    assert document["stack"] == {"htm": {"workers": 6}}
    with pytest.raises(PathError):
        assign(document, "workload.0.tasks", {})


def test_overrides_are_validated_like_the_file_and_leave_the_document_alone():
    document = mmc_document()
    scenario = scenario_at(document, [("stack.htm.workers", 6), ("workload.0.tasks.rate", "5/s")], "f.yaml", 0)
    assert scenario.stack.htm.workers == 6 and scenario.workload[0].tasks.rate == 5.0
    assert document["stack"]["htm"]["workers"] == 4


def test_run_with_set_runs_the_overridden_scenario_and_reproduces_with_it(capsys, write_scenario, tmp_path):
    path = write_scenario(mmc_document(duration="120s", warmup="10s"))
    main(["run", str(path), "--seed", "2", "--set", "stack.htm.workers=7", "--set", "title=a b",
          "--out", str(tmp_path / "run"), "--json"])
    journal = json.loads(capsys.readouterr().out)["journal"]
    assert journal["parameters"]["stack"]["htm"]["workers"] == 7
    assert journal["reproduce"] == (f"chaosbench run {path} --seed 2 --level 0"
                                    " --set stack.htm.workers=7 --set 'title=a b'")


def test_run_takes_one_value_per_set(capsys, write_scenario, tmp_path):
    path = write_scenario(mmc_document())
    with pytest.raises(SystemExit) as exited:
        main(["run", str(path), "--set", "stack.htm.workers=4,5", "--out", str(tmp_path / "run")])
    assert exited.value.code == 2
    assert "expected one value for stack.htm.workers" in capsys.readouterr().err
