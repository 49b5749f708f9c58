"""Every shipped scenario bites: it passes with its safeguards and fails without them.

For each scenario of the default suite (and every other shipped scenario
with expected safeguards): seeds 1-3 pass at level 0 with every safeguard
on; seeds 1 and 2 fail with every safeguard off; each expected safeguard
switched off alone fails at least two of seeds 1-3. Every safeguard of the
catalogue is expected by some shipped scenario. (That each ladder has a top
is in ``test_scenario_ladders``.) Each of these is a test of its own, so that
the test processes share them out, and the runs come from the session's
shared runs, which the recorded digests and the default suite's checks read
too.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from chaosbench.sim.checks.safeguards import SAFEGUARDS, safeguards_off
from chaosbench.sim.difficulty.batch import resolve_targets
from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.scenario.discovery import is_drill
from chaosbench.sim.scenario.loader import load_scenario, read_yaml
from chaosbench.sim.scenario.overrides import scenario_at
from tests.conftest import ROOT, SharedRuns
from tests.sim.majority import holds_on_most

SCENARIOS = ROOT / "scenarios"
DEFAULT = [target.file for target in resolve_targets(SCENARIOS / "suites" / "default.yaml")]
# The reference model and the canary are not scenarios of a stack that defends itself.
NOT_DEFENDED = {"mmc", "canary_impossible_sla"}


def _shipped() -> list[Path]:
    files = []
    for file in sorted(SCENARIOS.rglob("*.yaml")):
        if "suites" in file.parts or is_drill(file, read_yaml(file)):
            continue
        if load_scenario(file).name not in NOT_DEFENDED:
            files.append(file)
    return files


SHIPPED = _shipped()
DEFENDED = [file for file in SHIPPED if load_scenario(file).expect_safeguards]
EXPECTED = [(file, name) for file in DEFENDED for name in load_scenario(file).expect_safeguards]


def test_the_default_suite_holds_the_fifteen_scenarios_of_the_design_documents():
    assert len(DEFAULT) == 15


def test_every_default_scenario_expects_a_safeguard_and_every_safeguard_is_expected_somewhere():
    expected = {file.stem: set(load_scenario(file).expect_safeguards) for file in SHIPPED}
    assert all(expected[file.stem] for file in DEFAULT), [f.stem for f in DEFAULT if not expected[f.stem]]
    assert set(SAFEGUARDS) <= set().union(*expected.values())


@pytest.mark.slow
@pytest.mark.parametrize("file", DEFENDED, ids=lambda f: f.stem)
def test_a_scenario_passes_with_its_safeguards(file: Path, shared_runs: SharedRuns):
    assert all(shared_runs.passes(file, seed) for seed in (1, 2, 3))


@pytest.mark.slow
@pytest.mark.parametrize("file", DEFENDED, ids=lambda f: f.stem)
def test_a_scenario_fails_with_every_safeguard_off(file: Path, shared_runs: SharedRuns):
    everything = safeguards_off(["all"])
    assert not any(shared_runs.passes(file, seed, everything) for seed in (1, 2))


@pytest.mark.slow
@pytest.mark.parametrize("file, name", EXPECTED, ids=lambda value: value if isinstance(value, str) else value.stem)
def test_a_scenario_fails_without_each_of_its_expected_safeguards(file: Path, name: str, shared_runs: SharedRuns):
    assert holds_on_most(lambda seed: not shared_runs.passes(file, seed, (name,)), (1, 2, 3)), \
        f"{file.stem} without {name} passed on most of seeds 1-3"


def test_a_strict_scenario_fails_when_an_expected_safeguard_never_fired(write_scenario, capsys):
    from chaosbench.cli.main import main
    from tests.conftest import mmc_document

    document = mmc_document(duration="120s", expect_safeguards=["worker_reassignment"])  # no dropout: it never fires
    path = write_scenario(document)
    lenient = run_scenario(load_scenario(path), seed=1)
    assert lenient.passed and lenient.journal.safeguards.missing == ["worker_reassignment"]
    assert not run_scenario(scenario_at(read_yaml(path), [("strict", True)], str(path), 0), seed=1).passed
    assert main(["run", str(path), "--strict", "--out", str(path.parent / "run")]) == 1
    assert "--set strict=true" in capsys.readouterr().out
