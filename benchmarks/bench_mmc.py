"""chaosbench's plain M/M/c (every safeguard off) against the textbook SimPy model, same parameters.

Prints customers per wall-clock second of each and their ratio (target ≥ 1.0).
"""
from __future__ import annotations

import time

from sim.runner import run_scenario
from sim.scenario import Scenario

try:
    from benchmarks.textbook import textbook_mmc
except ImportError:  # run as a script from benchmarks/
    from textbook import textbook_mmc

SERVERS, ARRIVAL_RATE, SERVICE_RATE = 4, 3.2, 1.0
CUSTOMERS = 200_000


def chaosbench_mmc(customers: int, seed: int = 1) -> float:
    """Run the plain M/M/c scenario long enough for ``customers`` arrivals; customers per second."""
    scenario = Scenario.model_validate({
        "name": "bench_mmc",
        "duration": customers / ARRIVAL_RATE,
        "stack": {"safeguards": "off", "htm": {"workers": SERVERS}},
        "workload": [{"tasks": {"rate": ARRIVAL_RATE, "service": {"exponential": 1 / SERVICE_RATE}}}],
    })
    started = time.perf_counter()
    result = run_scenario(scenario, seed=seed)
    return result.journal["counts"]["tasks"]["completed"] / (time.perf_counter() - started)


def main(customers: int = CUSTOMERS) -> dict[str, float]:
    textbook_mmc(customers // 10, ARRIVAL_RATE, SERVICE_RATE, SERVERS)  # warm caches alike
    textbook = textbook_mmc(customers, ARRIVAL_RATE, SERVICE_RATE, SERVERS)
    ours = chaosbench_mmc(customers)
    print(f"M/M/{SERVERS}, rho = {ARRIVAL_RATE / SERVICE_RATE / SERVERS:g}, {customers:,} customers")
    print(f"  textbook SimPy (process per customer + Resource): {textbook:>10,.0f} customers/s")
    print(f"  chaosbench plain task manager (whole run):         {ours:>10,.0f} customers/s")
    print(f"  ratio chaosbench / textbook: {ours / textbook:.2f}  (target >= 1.0)")
    return {"textbook": textbook, "chaosbench_plain": ours, "ratio": ours / textbook}


if __name__ == "__main__":
    main()
