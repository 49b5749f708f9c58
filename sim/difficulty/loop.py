"""The autonomous chaos loop: rounds of runs at each scenario's current level, escalating on streaks.

Each round runs its scenarios at their recorded levels with a seed derived
from the round, records every run (which moves the ladders and opens work
orders for missing safeguards), and reports what changed. Each run starts
from the healing-playbook ranking that the runs before it recorded
(:func:`sim.difficulty.playbooks.ranking_settings`), passed in as ``--set``
overrides that its reproduce command repeats. With a number of
days, rounds follow the five-a-day schedule of the design documents in
simulated calendar time, each slot running the scenarios whose faults it
targets.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from chaosbench.sim.difficulty.batch import Outcome, Target, run_target
from chaosbench.sim.difficulty.ladder import standing
from chaosbench.sim.difficulty.memory import MemoryDB
from chaosbench.sim.difficulty.playbooks import ranking_settings
from chaosbench.sim.run.provenance import now
from chaosbench.sim.run.runtime import derive_seed

#: A slot's scenarios: those with any of these fault kinds; ``MULTI`` marks multi-fault scenarios.
MULTI = "multi_fault"
DAILY_SCHEDULE: tuple[tuple[str, frozenset[str] | None], ...] = (
    ("02:00", frozenset({"kernel_crash", "heartbeat_loss"})),
    ("08:00", frozenset({"acl_flood", "queue_flood"})),
    ("12:00", frozenset({"resource_siege", "trigger_storm"})),
    ("18:00", frozenset({"worker_dropout", MULTI})),
    ("23:00", None),  # everything
)


@dataclass(frozen=True)
class Round:
    """One round of the loop: when it runs and what."""

    number: int
    when: str | None  # simulated calendar time, or None for the wall clock
    label: str
    targets: tuple[Target, ...]


def plan_rounds(targets: list[Target], *, rounds: int | None = None, days: int | None = None,
                first_round: int = 0, start: datetime | None = None) -> list[Round]:
    """``rounds`` rounds of every scenario, or ``days`` days of the daily schedule."""
    if days is None:
        return [Round(first_round + i, None, f"round {first_round + i}", tuple(targets)) for i in range(rounds or 0)]
    start = start or datetime(2026, 1, 1, tzinfo=UTC)
    planned: list[Round] = []
    for day in range(days):
        for clock, kinds in DAILY_SCHEDULE:
            hours, minutes = map(int, clock.split(":"))
            moment = start + timedelta(days=day, hours=hours, minutes=minutes)
            chosen = tuple(t for t in targets if kinds is None or _fault_kinds(t) & kinds)
            number = first_round + len(planned)
            planned.append(Round(number, moment.isoformat(timespec="seconds"), f"day {day + 1} {clock}", chosen))
    return planned


def _fault_kinds(target: Target) -> set[str]:
    kinds = {fault.name for fault in target.scenario.faults}
    return kinds | {MULTI} if len(kinds) > 1 else kinds


def round_seed(base_seed: int, round_number: int, scenario: str) -> int:
    """The seed of ``scenario`` in round ``round_number``: stable, and different per round and scenario."""
    return derive_seed(base_seed, f"loop:{round_number}:{scenario}") % 2**31


def next_round(db: MemoryDB) -> int:
    """The number after the last recorded round, so loops continue where the last one stopped."""
    rounds = db.query("runs")["round"].dropna()
    return int(rounds.max()) + 1 if not rounds.empty else 0


def run_rounds(planned: list[Round], db: MemoryDB, out_root: Path, base_seed: int,
               on_run: Callable[[Round, Outcome], None] | None = None) -> list[tuple[Round, Outcome]]:
    """Run ``planned`` rounds in order; each scenario at its current level."""
    done = []
    for round_ in planned:
        for target in round_.targets:
            level = standing(db, target.scenario.name).level
            outcome = run_target(target, seed=round_seed(base_seed, round_.number, target.scenario.name),
                                 level=level, out_root=out_root, db=db, when=round_.when or now(),
                                 round=round_.number, settings=ranking_settings(db, target.scenario))
            done.append((round_, outcome))
            if on_run is not None:
                on_run(round_, outcome)
    return done
