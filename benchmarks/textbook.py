"""The textbook SimPy M/M/c model: one process per customer, a ``simpy.Resource`` of c servers.

It is the baseline every chaosbench speed figure is a ratio against.
"""
from __future__ import annotations

import random
import time

import simpy


def textbook_mmc(customers: int, arrival_rate: float, service_rate: float, servers: int, seed: int = 1) -> float:
    """Run the textbook model for ``customers`` arrivals; customers served per wall-clock second."""
    rng = random.Random(seed)
    env = simpy.Environment()
    counter = simpy.Resource(env, capacity=servers)
    served = 0

    def customer():
        nonlocal served
        with counter.request() as request:
            yield request
            yield env.timeout(rng.expovariate(service_rate))
        served += 1

    def source():
        for _ in range(customers):
            yield env.timeout(rng.expovariate(arrival_rate))
            env.process(customer())

    env.process(source())
    started = time.perf_counter()
    env.run()
    return served / (time.perf_counter() - started)
