"""The public façade: ``chaosbench.run``, ``suite``, ``load_scenario`` and the names it re-exports."""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import chaosbench
from chaosbench.cli.main import main
from tests.conftest import ROOT, mmc_document

MMC = ROOT / "scenarios" / "baseline" / "mmc.yaml"
RECORDED = json.loads((ROOT / "tests" / "sim" / "data" / "shipped_digests.json").read_text())


def test_import_chaosbench_loads_neither_matplotlib_nor_the_simulation():
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, chaosbench; "
                               "print(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'simpy') "
                               "or m.startswith('chaosbench.')))"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_every_public_name_is_the_object_it_re_exports():
    from chaosbench import reports
    from chaosbench.reports import figures
    from chaosbench.sim.run.runner import RunResult
    from chaosbench.sim.scenario.loader import ScenarioError, load_scenario
    from chaosbench.sim.scenario.model import Scenario

    assert all(getattr(chaosbench, name) is getattr(reports, name) for name in (
        "load_runs", "load_probes", "load_counts", "load_safeguards", "load_table", "load_memory", "write_reports"))
    assert (chaosbench.figures, chaosbench.RunResult, chaosbench.Scenario) == (figures, RunResult, Scenario)
    assert (chaosbench.ScenarioError, chaosbench.load_scenario) == (ScenarioError, load_scenario)
    assert set(chaosbench.__all__) <= set(dir(chaosbench))
    with pytest.raises(AttributeError, match="no attribute 'runner'"):
        chaosbench.runner  # noqa: B018


def test_run_keeps_the_journal_and_tables_in_memory_and_writes_nothing(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = chaosbench.run(MMC, seed=1)
    assert result.passed and len(result.tasks) > 20_000
    assert result.journal.trace_digest == RECORDED["scenarios/baseline/mmc.yaml"]
    assert list(tmp_path.iterdir()) == []


def test_run_of_a_loaded_scenario_is_the_run_of_its_file(write_scenario):
    path = write_scenario(mmc_document())
    loaded = chaosbench.load_scenario(path, level=2)
    assert (chaosbench.run(loaded, seed=3, level=2).journal.trace_digest
            == chaosbench.run(path, seed=3, level=2).journal.trace_digest)
    with pytest.raises(ValueError, match="pass the file"):
        chaosbench.run(loaded, set={"stack.htm.workers": 5})


def test_set_changes_the_run_and_its_reproduce_command_reruns_it(write_scenario, tmp_path: Path, capsys):
    path = write_scenario(mmc_document())
    plain = chaosbench.run(path, seed=2)
    changed = chaosbench.run(path, seed=2, set={"stack.htm.workers": 5, "workload.0.tasks.rate": "3/s"})
    assert changed.journal.parameters["stack"]["htm"]["workers"] == 5
    assert changed.journal.trace_digest != plain.journal.trace_digest

    command = shlex.split(changed.journal.reproduce)
    assert command[:2] == ["chaosbench", "run"] and "stack.htm.workers=5" in command
    main([*command[1:], "--out", str(tmp_path / "rerun"), "--json"])
    assert json.loads(capsys.readouterr().out)["journal"]["trace_digest"] == changed.journal.trace_digest


def test_run_writes_its_run_directory_only_when_asked(write_scenario, tmp_path: Path):
    result = chaosbench.run(write_scenario(mmc_document()), seed=1, out=tmp_path / "run")
    runs = chaosbench.load_runs(tmp_path / "run")
    assert runs["trace_digest"].tolist() == [result.journal.trace_digest]


def _folder_of_scenarios(folder: Path) -> Path:
    """Two small scenarios and a suite file naming one of them, which running the folder skips."""
    import yaml

    folder.mkdir()
    for name in ("alpha", "beta"):
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(mmc_document(name=name, duration="300s")))
    (folder / "smoke.yaml").write_text(yaml.safe_dump({"name": "smoke", "scenarios": ["alpha.yaml"]}))
    return folder


def test_suite_runs_every_scenario_of_a_folder_with_each_seed_in_order(tmp_path: Path):
    folder = _folder_of_scenarios(tmp_path / "scenarios")
    result = chaosbench.suite(folder, seeds=2)
    assert [(run.journal.scenario, run.journal.seed) for run in result.runs] == [
        ("alpha", 1), ("alpha", 2), ("beta", 1), ("beta", 2)]
    assert result.passed
    assert sorted(path.name for path in tmp_path.rglob("*")) == ["alpha.yaml", "beta.yaml", "scenarios", "smoke.yaml"]


def test_suite_fails_when_one_run_fails_and_writes_run_directories_when_asked(tmp_path: Path):
    import yaml

    folder = _folder_of_scenarios(tmp_path / "scenarios")
    impossible = [{"latency": {"quantile": 0.99, "max": "1ms"}}]
    (folder / "impossible.yaml").write_text(yaml.safe_dump(mmc_document(name="impossible", duration="300s",
                                                                        steady_state=impossible)))
    result = chaosbench.suite(folder / "smoke.yaml", level=1, out=tmp_path / "runs")
    assert [(run.journal.scenario, run.journal.level) for run in result.runs] == [("alpha", 1)]
    assert result.passed
    result = chaosbench.suite(folder, out=tmp_path / "runs")
    assert not result.passed and [run.passed for run in result.runs] == [True, True, False]
    written = sorted(str(Path(run_dir).relative_to(tmp_path / "runs"))
                     for run_dir in chaosbench.load_runs(tmp_path / "runs")["run_dir"])
    assert written == ["alpha/level0-seed1", "alpha/level1-seed1", "beta/level0-seed1", "impossible/level0-seed1"]
    # The same failure in a canary is what a canary must do: the suite passes by the one canary rule.
    (folder / "impossible.yaml").rename(folder / "canary.yaml")
    (folder / "canary.yaml").write_text(yaml.safe_dump(mmc_document(name="canary", duration="300s",
                                                                    steady_state=impossible)))
    assert chaosbench.suite(folder).passed


@pytest.mark.parametrize("call", [chaosbench.run, chaosbench.suite, chaosbench.load_scenario],
                         ids=["run", "suite", "load_scenario"])
def test_a_missing_file_raises_the_loader_error_naming_it(call, tmp_path: Path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(chaosbench.ScenarioError) as raised:
        call(missing)
    assert str(raised.value) == f"{missing}: no such file"


def test_a_bad_file_in_a_suite_folder_is_named_before_anything_runs(tmp_path: Path):
    folder = _folder_of_scenarios(tmp_path / "scenarios")
    (folder / "broken.yaml").write_text("name: broken\nduration: soon\n")
    with pytest.raises(chaosbench.ScenarioError, match=r"broken\.yaml:\d+:\d+: duration"):
        chaosbench.suite(folder, out=tmp_path / "runs")
    assert not (tmp_path / "runs").exists()
