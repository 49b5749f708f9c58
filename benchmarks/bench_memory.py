"""Peak memory of long runs: a plain M/M/c of one and of ten million tasks, through ``chaosbench run --out``.

Each run is a fresh ``chaosbench run`` process writing its run directory (its
tables stream to Parquet as they fill); its peak resident set size is read
from the kernel's account of that child (``wait4``). Targets: the
ten-million-task run exits 0 with every task in ``tasks.parquet``, peaks at
<= 1 GB, and at most 10% above the one-million-task run (memory flat in the
run's length).
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

TASKS = (1_000_000, 10_000_000)
#: M/M/4 at a load of 0.8 with half-second services: ten million tasks fit in a scenario's longest duration.
ARRIVAL_RATE = 6.4
ROOT = Path(__file__).resolve().parent.parent


def scenario(tasks: int) -> dict[str, object]:
    """Long enough for at least ``tasks`` arrivals (five standard deviations to spare)."""
    return {
        "name": "bench_memory",
        "duration": (tasks + 5 * math.sqrt(tasks)) / ARRIVAL_RATE,
        "warmup": "10m",
        "stack": {"safeguards": "off", "htm": {"workers": 4}},
        "workload": [{"tasks": {"rate": ARRIVAL_RATE, "service": {"exponential": 0.5}}}],
        "steady_state": [{"sla_compliance": {"min": 0.99}}, {"latency": {"quantile": 0.99, "max": "15s"}},
                         {"throughput": {"min": "6/s"}}],
    }


def measure(tasks: int) -> dict[str, float]:
    """Run ``chaosbench run`` on the scenario of ``tasks`` in a child process; its figures."""
    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory(prefix="bench_memory.") as folder:
        file, out, printed = Path(folder) / "long.yaml", Path(folder) / "run", Path(folder) / "journal.json"
        file.write_text(yaml.safe_dump(scenario(tasks)), encoding="utf-8")
        started = time.perf_counter()
        with open(printed, "w", encoding="utf-8") as stdout:
            child = subprocess.Popen([sys.executable, "-m", "chaosbench", "run", str(file), "--seed", "1",
                                      "--out", str(out), "--json"], cwd=ROOT, stdout=stdout)
            _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        if not printed.read_text(encoding="utf-8").strip():
            raise RuntimeError(f"chaosbench run of {tasks:,} tasks exited {os.waitstatus_to_exitcode(status)} "
                               "without a journal")
        journal = json.loads(printed.read_text(encoding="utf-8"))["journal"]
        rows = pq.ParquetFile(out / "tasks.parquet").metadata.num_rows
    return {"tasks_created": journal["counts"]["tasks_created"], "tasks_in_parquet": rows,
            "exit_status": os.waitstatus_to_exitcode(status), "wall_time_s": wall,
            "peak_rss_mb": usage.ru_maxrss / 1024}  # kilobytes on Linux


def main(sizes: tuple[int, ...] = TASKS) -> dict[int, dict[str, float]]:
    figures = {}
    for tasks in sizes:
        figures[tasks] = run = measure(tasks)
        print(f"plain M/M/c, {run['tasks_created']:,} tasks through `chaosbench run --out` (tables streamed)")
        print(f"  exit {run['exit_status']}, {run['tasks_in_parquet']:,} rows in tasks.parquet"
              f" ({'every task' if run['tasks_in_parquet'] == run['tasks_created'] else 'TASKS MISSING'})")
        print(f"  wall time: {run['wall_time_s']:.1f} s")
        print(f"  peak RSS:  {run['peak_rss_mb']:,.0f} MB  (target <= 1024 MB)")
    if len(sizes) == 2:
        short, long = (figures[tasks]["peak_rss_mb"] for tasks in sizes)
        print(f"  peak RSS ratio {sizes[1]:,} / {sizes[0]:,} tasks: {long / short:.3f}  (target <= 1.10)")
    return figures


if __name__ == "__main__":
    main(tuple(int(arg) for arg in sys.argv[1:]) or TASKS)
