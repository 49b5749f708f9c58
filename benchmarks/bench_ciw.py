"""Ciw's M/M/c model, the same queue as the textbook SimPy and chaosbench benchmarks.

Ciw (a discrete-event library for open queueing networks) is in the ``dev``
extra; :func:`ciw_mmc` returns ``None`` when it is not installed.
"""
from __future__ import annotations

import time


def ciw_mmc(customers: int, arrival_rate: float, service_rate: float, servers: int, seed: int = 1) -> float | None:
    """Simulate until ``customers`` have been served; customers served per wall-clock second."""
    try:
        import ciw
    except ImportError:
        return None
    network = ciw.create_network(arrival_distributions=[ciw.dists.Exponential(rate=arrival_rate)],
                                 service_distributions=[ciw.dists.Exponential(rate=service_rate)],
                                 number_of_servers=[servers])
    ciw.seed(seed)
    simulation = ciw.Simulation(network)
    started = time.perf_counter()
    simulation.simulate_until_max_customers(customers, method="Finish")
    elapsed = time.perf_counter() - started
    return len(simulation.get_all_records()) / elapsed
