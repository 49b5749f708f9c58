"""The full stack (every safeguard on, audit log on) against the textbook SimPy M/M/c, same run.

Same λ, μ, c and number of customers as the plain benchmark; the full stack
adds SLA timers, preemption checks, throttling, stacking, the health model,
relief agents, the watchdog, the immune kernel and a 5W1H audit narrative
for every dispatch. Prints tasks per wall-clock second of each and their
ratio (target ≥ 0.5).
"""
from __future__ import annotations

import statistics

from benchmarks.textbook import ARRIVAL_RATE, SERVERS, SERVICE_RATE, chaosbench_mmc_run, textbook_mmc

CUSTOMERS = 100_000


def full_stack_mmc(customers: int, seed: int = 1) -> tuple[float, dict[str, int]]:
    """Run the M/M/c workload through the full stack; tasks per second and the safeguards that fired."""
    result, elapsed = chaosbench_mmc_run(customers, "on", seed)
    journal = result.journal
    return journal.counts.tasks["completed"] / elapsed, journal.safeguards.fired


def main(customers: int = CUSTOMERS, rounds: int = 3) -> dict[str, float]:
    """Alternate textbook and full-stack runs ``rounds`` times and report the medians.

    Alternating, and taking medians, keeps a busy machine from favouring one side.
    """
    textbook_mmc(customers // 10, ARRIVAL_RATE, SERVICE_RATE, SERVERS)  # warm caches alike
    textbook_runs, ours_runs = [], []
    fired: dict[str, int] = {}
    for _ in range(rounds):
        textbook_runs.append(textbook_mmc(customers, ARRIVAL_RATE, SERVICE_RATE, SERVERS))
        rate, fired = full_stack_mmc(customers)
        ours_runs.append(rate)
    textbook, ours = statistics.median(textbook_runs), statistics.median(ours_runs)
    rho = ARRIVAL_RATE / SERVICE_RATE / SERVERS
    print(f"M/M/{SERVERS}, rho = {rho:g}, {customers:,} customers, median of {rounds}")
    print(f"  textbook SimPy (process per customer + Resource): {textbook:>10,.0f} tasks/s")
    print(f"  chaosbench full stack, every safeguard + audit:    {ours:>10,.0f} tasks/s")
    print(f"  ratio full stack / textbook: {ours / textbook:.2f}  (target >= 0.5)")
    print(f"  safeguards fired: {', '.join(f'{k}={v}' for k, v in sorted(fired.items())) or 'none'}")
    return {"textbook": textbook, "chaosbench_full": ours, "ratio": ours / textbook}


if __name__ == "__main__":
    main()
