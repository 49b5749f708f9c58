"""``chaosbench new``: a commented scenario that validates and runs, with every fault of the catalogue."""
from __future__ import annotations

import pytest

import chaosbench
from chaosbench.cli.main import main
from chaosbench.sim.faults import FAULTS
from chaosbench.sim.scenario.template import EXAMPLES, scenario_text


def test_every_fault_has_example_parameters():
    assert set(EXAMPLES) == set(FAULTS)


def test_new_writes_a_scenario_that_run_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "demo", "--fault", "worker_dropout"]) == 0
    text = (tmp_path / "demo.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=") and "worker_dropout: {fraction: 0.5" in text
    assert main(["run", "demo.yaml", "--out", "run"]) == 0
    assert "demo  level 0  seed 1  PASSED" in capsys.readouterr().out
    assert main(["new", "demo", "--fault", "worker_dropout"]) == 2  # an existing file is kept
    assert "exists already; --force replaces it" in capsys.readouterr().err


@pytest.mark.parametrize("kind", sorted(FAULTS))
def test_the_template_of_each_fault_validates_and_its_fault_acts(kind, tmp_path):
    path = tmp_path / f"{kind}.yaml"
    path.write_text(scenario_text(kind, [kind]), encoding="utf-8")
    result = chaosbench.run(path, seed=1)
    assert result.faults["kind"].tolist() == [kind] and result.journal.sim_time > 0


def test_several_faults_one_a_minute_and_a_bad_name_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["new", "storm", "--fault", "trigger_storm", "--fault", "acl_flood"]) == 0
    assert [fault.at for fault in chaosbench.load_scenario("storm.yaml").faults] == [60.0, 120.0]
    assert main(["new", "Bad Name"]) == 2 and not (tmp_path / "Bad Name.yaml").exists()
    assert "name: expected lower-case letters" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["new", "x", "--fault", "meteor"])
    assert exit_.value.code == 2
