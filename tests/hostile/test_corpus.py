"""The hand-written hostile corpus: every command answers with 0, 1, 2 (3 for the environment), in time, without
a traceback, with strict JSON under --json, and touches nothing outside its output folder."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.corpus import Case, all_cases
from tests.hostile.harness import Driver, check, snapshot

CASES = all_cases()
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def driver():
    running = Driver()
    yield running
    running.close()


def _prepare(case: Case, folder: Path, driver: Driver) -> None:
    for name, content in case.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    for argv in case.before:
        outcome = driver.run(list(argv), folder)
        check(outcome, list(argv))
    if case.setup is not None:
        case.setup(folder)


def test_the_corpus_covers_a_few_hundred_cases_of_every_class():
    assert len(CASES) >= 300
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_hostile_input_gets_a_clear_answer(case: Case, driver: Driver, tmp_path: Path):
    folder = tmp_path / "case"
    folder.mkdir()
    _prepare(case, folder, driver)
    before, beside = snapshot(folder), sorted(tmp_path.iterdir())
    outcome = driver.run(case.argv, folder)
    check(outcome, case.argv, allowed=case.allowed)
    assert snapshot(folder) == before, f"{case}: changed something outside out/"
    assert sorted(tmp_path.iterdir()) == beside, f"{case}: wrote beside its folder"
    assert case.expect in outcome.stderr + outcome.stdout, f"{case}: expected {case.expect!r}:\n{outcome.stderr}"
