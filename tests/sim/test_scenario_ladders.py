"""Every shipped scenario's ladder has a top: the frontier search finds, within ``max_level``, a level the
stack does not survive, above a level 0 that passes."""
from __future__ import annotations

from pathlib import Path

import pytest

from chaosbench.sim.difficulty.frontier import find_frontier
from tests.sim.test_scenarios_bite import SHIPPED


@pytest.mark.slow
@pytest.mark.parametrize("file", SHIPPED, ids=lambda f: f.stem)
def test_a_scenario_ladder_reaches_a_level_the_stack_does_not_survive(file: Path):
    frontier = find_frontier(file, seeds=(1,))
    assert frontier.first_failing is not None and frontier.first_failing <= frontier.max_level
    assert frontier.highest_passing >= 0  # level 0 itself passes
