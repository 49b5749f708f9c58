"""The pytest plugin collects incident files: one item per seed, passing when every incident healed in time."""
from __future__ import annotations

import json
import shutil

import pytest
import yaml

from tests.conftest import ROOT
from tests.sim.drill_helpers import drill_document

pytest_plugins = ["pytester"]

UNANSWERED = drill_document([{"at": "60s", "kernel_crash": {"kernel": "avn_core"}}], {
    "policy": {"disabled": ["critical_error"]}, "workflows": {"disabled": ["kernel_crash_response"]},
    "immune": {"enabled": False}}, name="unanswered")


@pytest.fixture
def drills(pytester: pytest.Pytester):
    """A copy of the shipped incident files."""
    shutil.copytree(ROOT / "scenarios" / "drills", pytester.path / "scenarios" / "drills")
    return pytester


def test_a_shipped_drill_is_an_item_per_seed_that_passes(drills):
    result = drills.runpytest("scenarios/drills/", "--chaos-seed", "1,3", "--chaos-out", "runs",
                              "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*every_incident?seed1? PASSED*", "*every_incident?seed3? PASSED*"])
    journal = json.loads((drills.path / "runs" / "every_incident" / "level0-seed3" / "journal.json").read_text())
    assert journal["passed"] is True and journal["counts"]["drill.incidents"] == 7
    assert (drills.path / "runs" / "every_incident" / "level0-seed3" / "incidents.parquet").is_file()


def test_a_drill_with_an_unhealed_incident_fails_with_its_records_and_the_reproduce_command(drills):
    (drills.path / "scenarios" / "drills" / "unanswered.yaml").write_text(yaml.safe_dump(UNANSWERED))
    result = drills.runpytest("scenarios/drills/unanswered.yaml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*unanswered?seed1? failed:*",
        "incident kernel_crash-0 (kernel_crash of avn_core) was detected but never healed",
        "incident*kind*target*detected*verdict",
        "kernel_crash-0*kernel_crash*avn_core*not healed",
        "reproduce: chaosbench drill scenarios/drills/unanswered.yaml --seed 1",
    ])


def test_a_bad_incident_file_fails_with_the_loaders_message(drills):
    (drills.path / "scenarios" / "drills" / "typo.yaml").write_text("name: typo\nincidents: [{at: 1m, kernel_crash: "
                                                                     "{kernel: avn}}]\n")
    result = drills.runpytest("scenarios/drills/typo.yaml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*typo.yaml cannot be loaded:*", "*typo.yaml: incidents[[]0[]].kernel_crash.kernel:*"])
