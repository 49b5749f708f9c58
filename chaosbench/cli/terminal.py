"""Human-readable summaries of results for the terminal."""
from __future__ import annotations

from pathlib import Path

from chaosbench.cli.colour import paint, verdict_style
from chaosbench.sim.run.record import Journal
from chaosbench.sim.run.verdict import Verdict

#: How each verdict reads on the terminal.
VERDICT_WORDS = {Verdict.PASSED: "PASSED", Verdict.FAILED: "FAILED",
                 Verdict.EXPECTED_FAILURE: "FAILED, as a canary must",
                 Verdict.CANARY_PASSED: "PASSED, but a canary must fail"}


def mark(ok: bool) -> str:
    """``ok`` or ``FAIL``, in green or red on a terminal."""
    return paint("ok  " if ok else "FAIL", verdict_style(ok))


def print_run(journal: Journal, run_dir: Path, verbosity: int = 0) -> None:
    """A short summary of one run: verdict, probes, invariants, counts and where to look.

    At ``verbosity`` -1 only the verdict line (and the reproduce command of a failure); at 1 every counter too.
    """
    verdict = paint(VERDICT_WORDS[journal.verdict], verdict_style(journal.ok))
    print(f"{journal.scenario}  level {journal.level}  seed {journal.seed}  {verdict}  "
          f"({journal.sim_time:g} s simulated in {journal.wall_time_s:.2f} s wall, "
          f"{journal.events_processed:,} events)")
    if verbosity >= 0:
        _print_checks(journal)
        tasks = {outcome: count for outcome, count in journal.counts.tasks.items() if count}
        print("  tasks: " + (", ".join(f"{outcome} {count:,}" for outcome, count in tasks.items()) or "none"))
        if verbosity > 0:
            for name, count in journal.counts.counters.items():
                print(f"  {name}: {count:,}")
        print(f"  results: {run_dir}")
    if not journal.passed:
        print(f"  reproduce: {journal.reproduce}")


def _print_checks(journal: Journal) -> None:
    if journal.probes:
        width = max(len(probe.id) for probe in journal.probes)
        for probe in journal.probes:
            print(f"  {mark(probe.passed)} {probe.id:<{width}}  {probe.shown:>12}  {probe.bound}")
    for name, invariant in journal.invariants.items():
        print(f"  {mark(invariant.held)} invariant {name}: {invariant.detail}")
    if journal.safeguards.missing:
        print(f"  expected safeguards that never fired: {', '.join(journal.safeguards.missing)}")
