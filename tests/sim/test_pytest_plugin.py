"""The pytest plugin: ``pytest scenarios/`` runs scenario files as test items."""
from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET

import pytest
import yaml

from chaosbench.sim.run.verdict import is_canary
from chaosbench.sim.scenario.discovery import is_suite, yaml_files
from chaosbench.sim.scenario.loader import read_yaml
from tests.conftest import ROOT, mmc_document

pytest_plugins = ["pytester"]

SCENARIOS = [document for document in map(read_yaml, yaml_files([ROOT / "scenarios"])) if not is_suite(document)]
CANARIES = sum(is_canary(document["name"], document.get("tags") or []) for document in SCENARIOS)
SHIPPED = len(SCENARIOS) - CANARIES
#: A probe that cannot hold: the 99th percentile of latency under a millisecond at rho 0.8.
IMPOSSIBLE = mmc_document(name="impossible", steady_state=[{"latency": {"quantile": 0.99, "max": "1ms"}}])
CANARY = {**IMPOSSIBLE, "name": "canary_latency", "tags": ["canary"]}


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
    # In a fresh interpreter, as a user's CI starts it: the plugin found through its entry point alone. The other
    # tests run pytest in this process, which spares starting one per call.
    result = project.runpytest_subprocess("scenarios/", "-v")
    assert result.ret == 0
    result.assert_outcomes(passed=SHIPPED, xfailed=CANARIES)
    result.stdout.fnmatch_lines(["*scenarios/baseline/mmc.yaml::mmc?level0-seed1? PASSED*"])
    assert "all.yaml" not in result.stdout.str()


def test_a_scenario_that_cannot_pass_fails_with_the_probe_table_and_the_reproduce_command(project):
    _write(project, "scenarios/baseline/impossible.yaml", IMPOSSIBLE)
    result = project.runpytest("scenarios/baseline/")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*impossible?level0-seed1? failed: probes failed: latency*",
        "probe*value*bound*verdict",
        "latency*<= 0.001s*FAILED",
        "reproduce: chaosbench run scenarios/baseline/impossible.yaml --seed 1 --level 0",
    ])


def test_a_canary_is_a_strict_expected_failure(project):
    _write(project, "scenarios/baseline/canary_latency.yaml", CANARY)
    result = project.runpytest("scenarios/baseline/", "-rx")
    result.assert_outcomes(passed=1, xfailed=1)
    result.stdout.fnmatch_lines(["XFAIL*canary_latency?level0-seed1?*canary: it must fail*"])
    _write(project, "scenarios/baseline/canary_latency.yaml", {**CANARY, "steady_state": []})
    result = project.runpytest("scenarios/baseline/")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*XPASS(strict)*canary: it must fail*"])


def test_seed_and_level_options_name_and_drive_the_runs(project):
    result = project.runpytest("scenarios/baseline/", "--chaos-seed", "3,4", "--chaos-level", "2",
                               "--chaos-out", "runs", "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*mmc?level2-seed3? PASSED*", "*mmc?level2-seed4? PASSED*"])
    journal = yaml.safe_load((project.path / "runs" / "mmc" / "level2-seed4" / "journal.json").read_text())
    assert journal["seed"] == 4 and journal["level"] == 2
    assert journal["parameters"]["workload"][0]["tasks"]["rate"] == pytest.approx(3.2 * 1.05 ** 2)


def test_keyword_selection_and_junit_xml(project):
    _write(project, "scenarios/baseline/impossible.yaml", IMPOSSIBLE)
    result = project.runpytest("scenarios/baseline/", "-k", "not impossible")
    result.assert_outcomes(passed=1, deselected=1)
    result = project.runpytest("scenarios/baseline/", "--junitxml", "all.xml")
    root = ET.parse(project.path / "all.xml").getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    assert suite.get("tests") == "2" and suite.get("failures") == "1"
    failure = suite.find(".//failure")
    assert "reproduce: chaosbench run scenarios/baseline/impossible.yaml --seed 1 --level 0" in failure.text


def test_a_file_with_problems_fails_with_the_loaders_message(project):
    _write(project, "scenarios/typo.yaml", mmc_document(name="typo", duration="ten minutes"))
    result = project.runpytest("scenarios/typo.yaml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*typo.yaml cannot be loaded:*", "*typo.yaml:*: duration:*"])


def test_yaml_is_collected_only_where_pytest_is_pointed(project):
    _write(project, "tests/data/scenario.yaml", mmc_document(name="data"))
    (project.path / "tests" / "test_plain.py").write_text("def test_plain():\n    assert True\n")
    project.makeini("[pytest]\ntestpaths = tests scenarios\n")
    project.runpytest().assert_outcomes(passed=1)  # testpaths never collect scenarios
    project.runpytest("tests/").assert_outcomes(passed=1)  # YAML below tests/ is test data
    project.runpytest("scenarios/baseline/", "tests/").assert_outcomes(passed=2)


def _collected(result: pytest.RunResult) -> list[str]:
    return [line for line in result.stdout.lines if "::" in line]


def test_scenario_tags_are_markers(project):
    result = project.runpytest("scenarios/", "-m", "jepsen", "--collect-only", "-q")
    jepsen = sorted(line.split("::")[0] for line in _collected(result))
    assert jepsen == ["scenarios/jepsen/message_duplication.yaml", "scenarios/jepsen/message_loss.yaml",
                      "scenarios/jepsen/message_reorder.yaml"]
    layer2 = project.runpytest("scenarios/", "-m", "layer2", "--collect-only", "-q")
    fast = project.runpytest("scenarios/", "-m", "layer2 and not slow", "--collect-only", "-q",
                             "--strict-markers")
    slow = {line.split("::")[0] for line in _collected(layer2)} - {line.split("::")[0] for line in _collected(fast)}
    assert slow == {"scenarios/events/event_stream_5000.yaml", "scenarios/layer2/trigger_mesh_storm.yaml"}


def test_a_seed_range_gives_an_item_per_seed(project):
    result = project.runpytest("scenarios/jepsen/", "--chaos-seed", "1:3", "--collect-only", "-q")
    items = _collected(result)
    assert len(items) == 9 and sum("message_loss.yaml::message_loss[level0-seed3]" in line for line in items) == 1
    result = project.runpytest("scenarios/jepsen/", "--chaos-seed", "2", "--chaos-seed", "7,9",
                               "--collect-only", "-q")
    assert [line.rsplit("-", 1)[1] for line in _collected(result)[:4]] == ["seed1]", "seed2]", "seed7]", "seed9]"]
    refused = project.runpytest("scenarios/jepsen/", "--chaos-seed", "-1")
    assert refused.ret == 4 and "expected a seed count of 1 or more" in refused.stderr.str()


def test_a_failed_item_keeps_its_run_directory_and_prints_where(project):
    _write(project, "scenarios/baseline/impossible.yaml", IMPOSSIBLE)
    result = project.runpytest("scenarios/baseline/impossible.yaml", "--basetemp", "kept")
    result.assert_outcomes(failed=1)
    line = next(line for line in result.stdout.lines if line.startswith("run directory: "))
    run_dir = project.path / line.removeprefix("run directory: ").strip()
    assert run_dir.is_relative_to(project.path / "kept") and (run_dir / "journal.json").is_file()
    assert (run_dir / "tasks.parquet").is_file()


def test_chaos_html_writes_the_report_of_the_session_also_under_xdist(project):
    _write(project, "scenarios/baseline/impossible.yaml", IMPOSSIBLE)
    result = project.runpytest_subprocess("scenarios/baseline/", "scenarios/jepsen/message_loss.yaml",
                                          "--chaos-seed", "2", "-n", "2", "--chaos-html", "session.html")
    result.assert_outcomes(passed=4, failed=2)
    assert "2 workers" in result.stdout.str()
    result.stdout.fnmatch_lines(["chaosbench: HTML report of 6 run(s): session.html"])
    page = (project.path / "session.html").read_text(encoding="utf-8")
    assert "impossible" in page and "message_loss" in page and "mmc" in page
