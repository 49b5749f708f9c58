"""Peak memory of long runs: a plain M/M/c of one and of ten million tasks, through ``chaosbench run --out``.

Each run is a fresh process running ``chaosbench run`` (its command-line
entry point) writing its run directory (its tables stream to Parquet as they
fill); the process reports its own peak resident set size, the kernel's
``VmHWM`` of its memory map, as it ends. (The ``ru_maxrss`` of a child
counts the memory of the process that started it as it was when it
started: a benchmark process grown by the benchmarks before it would be
measured instead.) Linux only. Targets: the
ten-million-task run exits 0 with every task in ``tasks.parquet``, peaks at
<= 1 GB, and at most 10% above the one-million-task run (memory flat in the
run's length).
"""
from __future__ import annotations

import json
import math
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


#: The child: ``chaosbench run`` through its entry point, then its own peak memory (kB) written to ``argv[1]``.
CHILD = """
import sys
from chaosbench.cli.main import main
try:
    status = main(sys.argv[2:])
finally:
    with open("/proc/self/status", encoding="ascii") as lines:
        peak = next(line.split()[1] for line in lines if line.startswith("VmHWM:"))
    with open(sys.argv[1], "w", encoding="ascii") as out:
        out.write(peak)
sys.exit(status)
"""


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
        peak = Path(folder) / "peak_kb"
        with open(printed, "w", encoding="utf-8") as stdout:
            status = subprocess.run([sys.executable, "-c", CHILD, str(peak), "run", str(file), "--seed", "1",
                                     "--out", str(out), "--json"], cwd=ROOT, stdout=stdout).returncode
        wall = time.perf_counter() - started
        if not printed.read_text(encoding="utf-8").strip():
            raise RuntimeError(f"chaosbench run of {tasks:,} tasks exited {status} without a journal")
        journal = json.loads(printed.read_text(encoding="utf-8"))["journal"]
        rows = pq.ParquetFile(out / "tasks.parquet").metadata.num_rows
        peak_kb = int(peak.read_text(encoding="utf-8"))
    return {"tasks_created": journal["counts"]["tasks_created"], "tasks_in_parquet": rows,
            "exit_status": status, "wall_time_s": wall, "peak_rss_mb": peak_kb / 1024}


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
