"""M/M/c side by side: textbook SimPy, Ciw, chaosbench's plain task manager and its full stack.

Every model serves the same queue (λ = 3.2/s, μ = 1/s, c = 4) for the same
number of customers; each figure is customers per wall-clock second (best
of three interleaved rounds), with its ratio to textbook SimPy and, for
chaosbench plain, to Ciw. Targets: plain >= 1.5x textbook SimPy and >= 3x
Ciw; full stack >= 0.5x textbook.

The full-stack figure (every safeguard on, audit log on) comes from
``benchmarks.bench_stack``.
"""
from __future__ import annotations

from benchmarks.bench_ciw import ciw_mmc
from benchmarks.bench_stack import full_stack_mmc
from benchmarks.textbook import ARRIVAL_RATE, SERVERS, SERVICE_RATE, chaosbench_mmc_run, textbook_mmc

CUSTOMERS = 200_000


def chaosbench_mmc(customers: int, seed: int = 1) -> float:
    """chaosbench's plain task manager (every safeguard off) on the queue; customers per second."""
    result, elapsed = chaosbench_mmc_run(customers, "off", seed)
    return result.journal.counts.tasks["completed"] / elapsed


def main(customers: int = CUSTOMERS, rounds: int = 3) -> dict[str, float | None]:
    """Each model ``rounds`` times, interleaved; the best figure of each, so that a busy moment hurts none alone."""
    textbook_mmc(customers // 10, ARRIVAL_RATE, SERVICE_RATE, SERVERS)  # warm caches alike
    models = {
        "textbook SimPy (process per customer + Resource)":
            lambda: textbook_mmc(customers, ARRIVAL_RATE, SERVICE_RATE, SERVERS),
        "Ciw": lambda: ciw_mmc(customers, ARRIVAL_RATE, SERVICE_RATE, SERVERS),
        "chaosbench plain (safeguards off, whole run)": lambda: chaosbench_mmc(customers),
        "chaosbench full stack (safeguards on)": lambda: full_stack_mmc(customers)[0],
    }
    figures: dict[str, float | None] = dict.fromkeys(models)
    for _ in range(rounds):
        for label, measure in models.items():
            value = measure()
            if value is not None:
                figures[label] = max(value, figures[label] or 0.0)
    textbook, ciw, plain, full = figures.values()
    assert textbook is not None and plain is not None and full is not None, "only Ciw may be missing"
    print(f"M/M/{SERVERS}, rho = {ARRIVAL_RATE / SERVICE_RATE / SERVERS:g}, {customers:,} customers "
          f"(customers per wall-clock second, best of {rounds} interleaved rounds)")
    for label, value in figures.items():
        shown = f"{value:>10,.0f}   {value / textbook:5.2f}x textbook" if value is not None else "       n/a"
        print(f"  {label:<50} {shown}")
    print(f"  plain / textbook SimPy: {plain / textbook:.2f}  (target >= 1.5)")
    print("  plain / Ciw:            " + (f"{plain / ciw:.2f}" if ciw else "n/a (pip install ciw)")
          + "  (target >= 3)")
    print(f"  full stack / textbook:  {full / textbook:.2f}  (target >= 0.5)")
    return {"textbook": textbook, "ciw": ciw, "chaosbench_plain": plain, "full_stack": full,
            "ratio": plain / textbook}


if __name__ == "__main__":
    main()
