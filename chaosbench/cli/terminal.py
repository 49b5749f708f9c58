"""Human-readable summaries of results for the terminal."""
from __future__ import annotations

from pathlib import Path

from chaosbench.reports.content import format_value
from chaosbench.sim.run.record import Journal


def print_run(journal: Journal, run_dir: Path) -> None:
    """A short summary of one run: verdict, probes, invariants, counts and where to look."""
    verdict = "PASSED" if journal.passed else "FAILED"
    print(f"{journal.scenario}  level {journal.level}  seed {journal.seed}  {verdict}  "
          f"({journal.sim_time:g} s simulated in {journal.wall_time_s:.2f} s wall, "
          f"{journal.events_processed:,} events)")
    if journal.probes:
        width = max(len(probe.name) for probe in journal.probes)
        for probe in journal.probes:
            mark = "ok  " if probe.passed else "FAIL"
            print(f"  {mark} {probe.name:<{width}}  {format_value(probe.value):>10}  {probe.bound}")
    for name, invariant in journal.invariants.items():
        mark = "ok  " if invariant.held else "FAIL"
        print(f"  {mark} invariant {name}: {invariant.detail}")
    if journal.safeguards.missing:
        print(f"  expected safeguards that never fired: {', '.join(journal.safeguards.missing)}")
    tasks = {outcome: count for outcome, count in journal.counts.tasks.items() if count}
    print("  tasks: " + (", ".join(f"{outcome} {count:,}" for outcome, count in tasks.items()) or "none"))
    print(f"  results: {run_dir}")
    if not journal.passed:
        print(f"  reproduce: {journal.reproduce}")
