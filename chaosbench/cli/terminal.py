"""Human-readable summaries of results for the terminal."""
from __future__ import annotations

from pathlib import Path

from chaosbench.sim.run.record import Journal
from chaosbench.sim.run.verdict import Verdict


def print_run(journal: Journal, run_dir: Path) -> None:
    """A short summary of one run: verdict, probes, invariants, counts and where to look."""
    verdict = {Verdict.PASSED: "PASSED", Verdict.FAILED: "FAILED",
               Verdict.EXPECTED_FAILURE: "FAILED, as a canary must",
               Verdict.CANARY_PASSED: "PASSED, but a canary must fail"}[journal.verdict]
    print(f"{journal.scenario}  level {journal.level}  seed {journal.seed}  {verdict}  "
          f"({journal.sim_time:g} s simulated in {journal.wall_time_s:.2f} s wall, "
          f"{journal.events_processed:,} events)")
    if journal.probes:
        width = max(len(probe.id) for probe in journal.probes)
        for probe in journal.probes:
            mark = "ok  " if probe.passed else "FAIL"
            print(f"  {mark} {probe.id:<{width}}  {probe.shown:>12}  {probe.bound}")
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
