"""Escalation after a streak of passes, persisted across processes, reset by a failure."""
from __future__ import annotations

import subprocess
import sys

from chaosbench.sim.difficulty.ladder import Standing, advance_standing, standing
from chaosbench.sim.difficulty.memory import MemoryDB
from chaosbench.sim.scenario.model import Difficulty
from tests.conftest import ROOT

LADDER = Difficulty(escalate_after=5, max_level=3)


def test_five_passes_in_a_row_escalate_one_level():
    place = Standing(0, 0)
    for _ in range(4):
        place = place.after(True, LADDER)
    assert place == Standing(0, 4)
    assert place.after(True, LADDER) == Standing(1, 0)


def test_a_failure_resets_the_streak_and_keeps_the_level():
    assert Standing(2, 4).after(False, LADDER) == Standing(2, 0)


def test_the_top_level_is_never_exceeded():
    assert Standing(3, 4).after(True, LADDER) == Standing(3, 5)


def test_the_level_survives_a_new_process(tmp_path):
    path = tmp_path / "m.sqlite"
    with MemoryDB(path) as db:
        for _ in range(5):
            advance_standing(db, "storm", LADDER, standing(db, "storm").level, True, "t")
    code = ("from chaosbench.sim.difficulty.memory import MemoryDB\n"
            "from chaosbench.sim.difficulty.ladder import standing\n"
            f"print(standing(MemoryDB({str(path)!r}), 'storm'))")
    printed = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert printed.strip() == "Standing(level=1, streak=0)"


def test_a_rerun_at_another_level_does_not_move_the_ladder(tmp_path):
    with MemoryDB(tmp_path / "m.sqlite") as db:
        before, after = advance_standing(db, "storm", LADDER, 2, True, "t")
    assert before == after == Standing(0, 0)
