"""``chaosbench suite scenarios/suites/default.yaml --seeds 3``: serial against ``--workers 2``, in this process's
children, one after the other (target: the two workers finish in at most 1/1.7 of the serial wall time, with the
same digests in the same order)."""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_sweep import parallel_capacity

ROOT = Path(__file__).resolve().parent.parent
SUITE = "scenarios/suites/default.yaml"
TARGET_SPEEDUP = 1.7


def run_suite(out: Path, *workers: str) -> tuple[float, list[str]]:
    """Wall seconds of one ``chaosbench suite`` and the digests of its runs, in the order it reports them."""
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, "-m", "chaosbench", "suite", SUITE, "--seeds", "3", "--out",
                                str(out / "runs"), "--no-db", "--json", *workers], cwd=ROOT, capture_output=True,
                               text=True)
    wall = time.perf_counter() - started
    if completed.returncode not in (0, 1):
        raise RuntimeError(f"suite {' '.join(workers)} exited {completed.returncode}: {completed.stderr[-2000:]}")
    return wall, [run["trace_digest"] for run in json.loads(completed.stdout)["runs"]]


def main() -> dict[str, float]:
    capacity = parallel_capacity(2)
    with tempfile.TemporaryDirectory(prefix="bench_suite_workers.") as folder:
        serial, serial_digests = run_suite(Path(folder) / "serial")
        parallel, parallel_digests = run_suite(Path(folder) / "workers", "--workers", "2")
    speedup = serial / parallel
    print(f"suite {SUITE} --seeds 3: {len(serial_digests)} runs")
    print(f"  serial:      {serial:6.1f} s wall")
    print(f"  --workers 2: {parallel:6.1f} s wall")
    print(f"  speed-up {speedup:.2f}x (target >= {TARGET_SPEEDUP}x on 2 cores); digests "
          f"{'identical, in the same order' if parallel_digests == serial_digests else 'DIFFER'}")
    print(f"  parallel capacity of the machine just before: {capacity:.2f}x with 2 processes")
    return {"serial_s": serial, "workers_s": parallel, "speedup": speedup}


if __name__ == "__main__":
    main()
