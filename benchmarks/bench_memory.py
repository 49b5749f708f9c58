"""Peak memory of a one-million-task run: a plain M/M/c through ``run_scenario``, DataFrames built.

The run happens in a fresh subprocess, which reports its own peak resident
set size (``ru_maxrss``); target <= 1 GB.
"""
from __future__ import annotations

import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path

TASKS = 1_000_000
ARRIVAL_RATE = 3.2
ROOT = Path(__file__).resolve().parent.parent


def measure(tasks: int) -> dict[str, float]:
    """Run long enough for at least ``tasks`` arrivals (five standard deviations to spare); figures of this process."""
    from chaosbench.sim.run.runner import run_scenario
    from chaosbench.sim.scenario.model import Scenario

    scenario = Scenario.model_validate({
        "name": "bench_memory",
        "duration": (tasks + 5 * math.sqrt(tasks)) / ARRIVAL_RATE,
        "warmup": "10m",
        "stack": {"safeguards": "off", "htm": {"workers": 4}},
        "workload": [{"tasks": {"rate": ARRIVAL_RATE, "service": {"exponential": 1.0}}}],
        "steady_state": [{"sla_compliance": {"min": 0.99}}, {"latency": {"quantile": 0.99, "max": "30s"}},
                         {"throughput": {"min": "3/s"}}],
    })
    started = time.perf_counter()
    result = run_scenario(scenario, seed=1)
    return {
        "tasks": len(result.tables["tasks"]),
        "wall_time_s": time.perf_counter() - started,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # kilobytes on Linux
    }


def main(tasks: int = TASKS) -> dict[str, float]:
    completed = subprocess.run([sys.executable, "-m", "benchmarks.bench_memory", "--child", str(tasks)],
                               cwd=ROOT, capture_output=True, text=True, check=True)
    figures = json.loads(completed.stdout.strip().splitlines()[-1])
    print(f"plain M/M/c, {figures['tasks']:,} tasks through run_scenario (tables built, probes judged)")
    print(f"  wall time: {figures['wall_time_s']:.1f} s")
    print(f"  peak RSS:  {figures['peak_rss_mb']:,.0f} MB  (target <= 1024 MB)")
    return figures


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(measure(int(sys.argv[2]))))
    else:
        main()
