"""Difficulty escalation: each scenario climbs its ladder after a streak of passes.

A pass adds one to the streak; when the streak reaches ``escalate_after``
the scenario moves up a level (up to ``max_level``) and the streak restarts.
A failure resets the streak and leaves the level where it is.
"""
from __future__ import annotations

from dataclasses import dataclass

from chaosbench.sim.difficulty.memory import MemoryDB
from chaosbench.sim.scenario.model import Difficulty


@dataclass(frozen=True)
class Standing:
    """Where a scenario stands on its ladder."""

    level: int
    streak: int

    def after(self, passed: bool, ladder: Difficulty) -> Standing:
        """The standing once a run at this level has ``passed`` or not."""
        if not passed:
            return Standing(self.level, 0)
        streak = self.streak + 1
        if streak >= ladder.escalate_after and self.level < ladder.max_level:
            return Standing(self.level + 1, 0)
        return Standing(self.level, streak)


def standing(db: MemoryDB, scenario: str) -> Standing:
    """The scenario's recorded standing; a scenario never run stands at level 0."""
    row = db.get("scenario_levels", scenario)
    return Standing(int(row["level"]), int(row["streak"])) if row else Standing(0, 0)


def advance_standing(db: MemoryDB, scenario: str, ladder: Difficulty, level: int, passed: bool,
                     when: str) -> tuple[Standing, Standing]:
    """Record a verdict at ``level``; returns the standing before and after.

    A run at another level than the scenario's current one (a manual rerun)
    does not move the ladder.
    """
    before = standing(db, scenario)
    after = before.after(passed, ladder) if level == before.level else before
    db.upsert("scenario_levels", {"scenario": scenario, "level": after.level, "streak": after.streak,
                                  "max_level": ladder.max_level, "escalate_after": ladder.escalate_after,
                                  "updated_at": when})
    return before, after
