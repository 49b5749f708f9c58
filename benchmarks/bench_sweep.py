"""A 40-run sweep of the baseline M/M/c scenario, serially and on a pool of local processes.

Prints runs per wall-clock second of each (the pool's figure includes
starting its processes) and their ratio (target >= 1.7 on 2 cores), checks
that both executors gave the same digest for every run, and prints the mean
wall time of one run under each: when the pool's runs take much longer than
the serial ones, other work on the machine is taking the cores.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from sim.executors import PoolExecutor, SerialExecutor, cores
from sim.sweep import SweepOutcome, execute, load_sweep

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "baseline" / "mmc.yaml"
RUNS = 40


def timed_sweep(executor, out: Path) -> tuple[float, SweepOutcome]:
    """Run the sweep on ``executor``; runs per second and the outcome."""
    sweep = load_sweep(SCENARIO, [], [0], list(range(1, RUNS + 1)))
    started = time.perf_counter()
    try:
        outcome = execute(sweep, out, executor)
    finally:
        executor.close()
    return RUNS / (time.perf_counter() - started), outcome


def main(workers: int = 2) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as scratch:
        serial, alone = timed_sweep(SerialExecutor(), Path(scratch) / "serial")
        pool, pooled = timed_sweep(PoolExecutor(workers), Path(scratch) / "pool")
    same = alone.table["trace_digest"].tolist() == pooled.table["trace_digest"].tolist()
    print(f"{RUNS}-run sweep of {SCENARIO.name} (this machine: {cores()} cores)")
    print(f"  serial executor:              {serial:>7.2f} runs/s   (one run: {alone.table['wall_time_s'].mean():.3f} s)")
    print(f"  process pool, {workers} workers:      {pool:>7.2f} runs/s   (one run: {pooled.table['wall_time_s'].mean():.3f} s)")
    print(f"  ratio pool / serial: {pool / serial:.2f}  (target >= 1.7 on 2 cores)")
    print(f"  same digest for every run: {'yes' if same else 'NO'}")
    return {"serial": serial, "pool": pool, "ratio": pool / serial}


if __name__ == "__main__":
    main()
