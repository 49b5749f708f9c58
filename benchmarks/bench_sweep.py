"""A 40-run sweep of the baseline M/M/c scenario, serially and on a pool of local processes.

Prints runs per wall-clock second of each (the pool's figure includes
starting its processes) and their ratio (target >= 1.7 on 2 cores), checks
that both executors gave the same digest for every run, and prints the mean
wall time of one run under each. When other work on the machine takes the
cores, no pool can scale: the figure "parallel capacity" (a pure-Python loop
alone versus one per worker at once) says how much speed-up the machine
offered at the time.
"""
from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from chaosbench.sim.parallel.executors import Executor, PoolExecutor, SerialExecutor, cores
from chaosbench.sim.sweep.sweeps import SweepOutcome, execute, load_sweep

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "baseline" / "mmc.yaml"
RUNS = 40


def timed_sweep(make_executor: Callable[[], Executor], out: Path) -> tuple[float, SweepOutcome]:
    """Run the sweep on a new executor (its start-up timed too); runs per second and the outcome."""
    sweep = load_sweep(SCENARIO, [], [0], list(range(1, RUNS + 1)))
    started = time.perf_counter()
    executor = make_executor()
    try:
        outcome = execute(sweep, out, executor)
    finally:
        executor.close()
    return RUNS / (time.perf_counter() - started), outcome


def _spin(_: object = None) -> float:
    started = time.perf_counter()
    total = 0
    for i in range(3_000_000):
        total += i
    return time.perf_counter() - started


def parallel_capacity(workers: int, rounds: int = 3) -> float:
    """How many loops' worth of work ``workers`` processes got done at once, relative to one alone (medians)."""
    alone: list[float] = []
    together: list[float] = []
    pool = PoolExecutor(workers)
    try:
        for _ in range(rounds):
            alone.append(_spin())
            together.extend(elapsed for _, elapsed in pool.run(_spin, range(workers)))
    finally:
        pool.close()
    return workers * statistics.median(alone) / statistics.median(together)


def main(workers: int = 2) -> dict[str, float]:
    capacity = parallel_capacity(workers)
    with tempfile.TemporaryDirectory() as scratch:
        serial, alone = timed_sweep(SerialExecutor, Path(scratch) / "serial")
        pool, pooled = timed_sweep(lambda: PoolExecutor(workers), Path(scratch) / "pool")
    same = alone.table["trace_digest"].tolist() == pooled.table["trace_digest"].tolist()
    print(f"{RUNS}-run sweep of {SCENARIO.name} (this machine: {cores()} cores)")
    rows = (("serial executor:", serial, alone), (f"process pool, {workers} workers:", pool, pooled))
    for label, rate, outcome in rows:
        print(f"  {label:<30}{rate:>7.2f} runs/s   (one run: {outcome.table['wall_time_s'].mean():.3f} s)")
    print(f"  ratio pool / serial: {pool / serial:.2f}  (target >= 1.7 on 2 cores)")
    print(f"  parallel capacity of the machine just before: {capacity:.2f}x with {workers} processes")
    print(f"  same digest for every run: {'yes' if same else 'NO'}")
    return {"serial": serial, "pool": pool, "ratio": pool / serial, "capacity": capacity}


if __name__ == "__main__":
    main()
