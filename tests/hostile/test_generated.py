"""Scenario files written by Hypothesis, valid and near-valid: every one is validated, and each valid one that is
cheap to simulate is run; each command is held to the rules of :func:`tests.hostile.harness.check`."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chaosbench.sim.scenario.budget import expected_events
from chaosbench.sim.scenario.loader import ScenarioError, load_scenario, read_yaml
from chaosbench.sim.scenario.overrides import scenario_at
from tests.hostile.corpus import small, text
from tests.hostile.harness import Driver, check, snapshot
from tests.hostile.strategies import EXTREME_NUMBERS, ODD_TEXT, scenario_texts

#: Expected simulation events below which a valid example is run as well as validated (a fraction of a second).
CHEAP = 30_000
#: The dotted paths ``--set`` is pointed at.
SET_PATHS = ["stack.htm.workers", "workload.0.tasks.rate", "duration", "name", "title", "stack.health.interval",
             "workload.0.tasks.priority_mix", "faults", "workload.9.tasks.rate", "", "a..b", "stack.htm.workers.x"]

pytestmark = pytest.mark.slow
EXAMPLES = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def driver():
    running = Driver()
    yield running
    running.close()


def _held(driver: Driver, folder: Path, argv: list[str]) -> int:
    before = snapshot(folder)
    outcome = driver.run(argv, folder)
    check(outcome, argv)
    assert snapshot(folder) == before, f"{argv}: changed something outside out/"
    assert outcome.status is not None
    return outcome.status


def _cheap(file: Path, overrides: list[tuple[str, object]] = ()) -> bool:
    try:
        scenario = scenario_at(read_yaml(file), overrides, str(file), 0) if overrides else load_scenario(file)
    except ScenarioError:
        return False
    return expected_events(scenario) < CHEAP


@EXAMPLES
@given(content=scenario_texts())
def test_a_written_scenario_is_validated_and_if_valid_and_cheap_run(driver, content):
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        (folder / "s.yaml").write_bytes(content)
        status = _held(driver, folder, ["validate", "s.yaml", "--json"])
        _held(driver, folder, ["list", "s.yaml", "--json"])
        if status == 0 and _cheap(folder / "s.yaml"):
            assert _held(driver, folder, ["run", "s.yaml", "--out", "out/run", "--json"]) in (0, 1)


@EXAMPLES
@given(path=st.sampled_from(SET_PATHS), value=st.one_of(EXTREME_NUMBERS, ODD_TEXT, st.integers(-5, 50)))
def test_a_set_option_of_any_path_and_value_gets_a_clear_answer(driver, path, value):
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        (folder / "s.yaml").write_bytes(text(small(faults=[{"at": "5s", "scheduler_pause": {"for": "2s"}}])))
        setting = f"{path}={value}"
        try:
            from chaosbench.sim.scenario.overrides import parse_setting

            parsed = parse_setting(setting)
            cheap = len(parsed[1]) == 1 and _cheap(folder / "s.yaml", [(parsed[0], parsed[1][0][0])])
        except ValueError:
            cheap = True  # refused as an option, before anything runs
        if cheap:
            _held(driver, folder, ["run", "s.yaml", "--out", "out/run", "--set", setting, "--json"])
