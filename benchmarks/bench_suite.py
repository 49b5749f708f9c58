"""The default suite at level 0, one seed, run serially in this process (target: 60 s wall on 2 cores)."""
from __future__ import annotations

import time
from pathlib import Path

from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.scenario.discovery import load_suite
from chaosbench.sim.scenario.loader import load_scenario

SUITE = Path(__file__).resolve().parent.parent / "scenarios" / "suites" / "default.yaml"
TARGET_S = 60.0


def main() -> dict[str, float]:
    _, files = load_suite(SUITE)
    walls: dict[str, float] = {}
    started = time.perf_counter()
    for file in files:
        scenario = load_scenario(file)
        began = time.perf_counter()
        result = run_scenario(scenario, seed=1, file=str(file))
        walls[scenario.name] = time.perf_counter() - began
        assert result.passed, f"{scenario.name} failed: {result.journal.reproduce}"
    total = time.perf_counter() - started
    print(f"default suite, level 0, seed 1: {len(files)} scenarios in {total:.1f} s wall "
          f"(target <= {TARGET_S:g} s, {total / TARGET_S:.0%} of it)")
    for name, wall in sorted(walls.items(), key=lambda item: -item[1])[:5]:
        print(f"  {name:<32} {wall:6.2f} s")
    return {"total_s": total, **walls}


if __name__ == "__main__":
    main()
