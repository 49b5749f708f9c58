"""Run every benchmark in one process and print their figures (``make bench``)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import (  # noqa: E402
    bench_events,
    bench_input,
    bench_memory,
    bench_mmc,
    bench_stack,
    bench_suite,
    bench_suite_workers,
    bench_sweep,
)

BENCHMARKS = [bench_mmc, bench_stack, bench_events, bench_suite, bench_suite_workers, bench_sweep, bench_memory,
              bench_input]


def main() -> None:
    for module in BENCHMARKS:
        print(f"== {module.__name__.split('.')[-1]}")
        module.main()
        print()


if __name__ == "__main__":
    main()
