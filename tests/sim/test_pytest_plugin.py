"""The pytest plugin: ``pytest scenarios/`` runs scenario files as test items."""
from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET

import pytest
import yaml

from sim.discovery import is_suite, yaml_files
from sim.loader import read_yaml
from tests.conftest import ROOT, mmc_document

pytest_plugins = ["pytester"]

SHIPPED = sum(not is_suite(read_yaml(path)) for path in yaml_files([ROOT / "scenarios"]))
CANARY = mmc_document(name="canary", tags=["canary"], steady_state=[{"latency": {"quantile": 0.99, "max": "1ms"}}])


@pytest.fixture
def project(pytester: pytest.Pytester):
    """A copy of the shipped scenarios, plus a suite file naming them."""
    shutil.copytree(ROOT / "scenarios", pytester.path / "scenarios")
    shipped = sorted(p.relative_to(pytester.path / "scenarios").as_posix()
                     for p in (pytester.path / "scenarios").rglob("*.yaml"))
    (pytester.path / "scenarios" / "all.yaml").write_text(yaml.safe_dump({"name": "all", "scenarios": shipped}))
    return pytester


def _write(pytester: pytest.Pytester, relative: str, document: dict) -> None:
    path = pytester.path / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def test_shipped_scenarios_pass_and_suite_files_are_not_collected(project):
    result = project.runpytest("scenarios/", "-v")
    result.assert_outcomes(passed=SHIPPED)
    result.stdout.fnmatch_lines(["*scenarios/baseline/mmc.yaml::mmc?level0-seed1? PASSED*"])
    assert "all.yaml" not in result.stdout.str()


def test_a_canary_fails_with_the_probe_table_and_the_reproduce_command(project):
    _write(project, "scenarios/canary.yaml", CANARY)
    result = project.runpytest("scenarios/")
    result.assert_outcomes(passed=SHIPPED, failed=1)
    result.stdout.fnmatch_lines([
        "*canary?level0-seed1? failed: probes failed: latency*",
        "probe*value*bound*verdict",
        "latency*<= 0.001s*FAILED",
        "reproduce: chaosbench run scenarios/canary.yaml --seed 1 --level 0",
    ])


def test_seed_and_level_options_name_and_drive_the_runs(project):
    result = project.runpytest("scenarios/baseline/", "--chaos-seed", "3", "--chaos-seed", "4", "--chaos-level", "2",
                               "--chaos-out", "runs", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*mmc?level2-seed3? PASSED*", "*mmc?level2-seed4? PASSED*"])
    journal = yaml.safe_load((project.path / "runs" / "mmc" / "level2-seed4" / "journal.json").read_text())
    assert journal["seed"] == 4 and journal["level"] == 2
    assert journal["parameters"]["workload"][0]["tasks"]["rate"] == pytest.approx(3.2 * 1.05 ** 2)


def test_keyword_selection_and_junit_xml(project):
    _write(project, "scenarios/baseline/canary.yaml", CANARY)
    result = project.runpytest("scenarios/baseline/", "-k", "not canary")
    result.assert_outcomes(passed=1, deselected=1)
    result = project.runpytest("scenarios/baseline/", "--junitxml", "all.xml")
    root = ET.parse(project.path / "all.xml").getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    assert suite.get("tests") == "2" and suite.get("failures") == "1"
    failure = suite.find(".//failure")
    assert "reproduce: chaosbench run scenarios/baseline/canary.yaml --seed 1 --level 0" in failure.text


def test_a_file_with_problems_fails_with_the_loaders_message(project):
    _write(project, "scenarios/typo.yaml", mmc_document(name="typo", duration="ten minutes"))
    result = project.runpytest("scenarios/typo.yaml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*typo.yaml cannot be loaded:*", "*typo.yaml: duration:*"])


def test_yaml_is_collected_only_where_pytest_is_pointed(project):
    _write(project, "tests/data/scenario.yaml", mmc_document(name="data"))
    (project.path / "tests" / "test_plain.py").write_text("def test_plain():\n    assert True\n")
    project.makeini("[pytest]\ntestpaths = tests scenarios\n")
    project.runpytest().assert_outcomes(passed=1)  # testpaths never collect scenarios
    project.runpytest("tests/").assert_outcomes(passed=1)  # YAML below tests/ is test data
    project.runpytest("scenarios/baseline/", "tests/").assert_outcomes(passed=2)
