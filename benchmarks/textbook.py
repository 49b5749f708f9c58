"""The textbook SimPy M/M/c model (one process per customer, a ``simpy.Resource`` of c servers).

It is the baseline every chaosbench speed figure is a ratio against; the
same queue run through chaosbench is here too, so every benchmark builds it
the same way.
"""
from __future__ import annotations

import random
import time

import simpy
from simpy.events import ProcessGenerator

from chaosbench.sim.run.record import RunResult
from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.scenario.model import Scenario

#: The queue every M/M/c benchmark serves: λ = 3.2/s, μ = 1/s, c = 4 (ρ = 0.8).
SERVERS, ARRIVAL_RATE, SERVICE_RATE = 4, 3.2, 1.0


def textbook_mmc(customers: int, arrival_rate: float, service_rate: float, servers: int, seed: int = 1) -> float:
    """Run the textbook model for ``customers`` arrivals; customers served per wall-clock second."""
    rng = random.Random(seed)
    env = simpy.Environment()
    counter = simpy.Resource(env, capacity=servers)
    served = 0

    def customer() -> ProcessGenerator:
        nonlocal served
        with counter.request() as request:
            yield request
            yield env.timeout(rng.expovariate(service_rate))
        served += 1

    def source() -> ProcessGenerator:
        for _ in range(customers):
            yield env.timeout(rng.expovariate(arrival_rate))
            env.process(customer())

    env.process(source())
    started = time.perf_counter()
    env.run()
    return served / (time.perf_counter() - started)


def chaosbench_mmc_run(customers: int, safeguards: str, seed: int = 1) -> tuple[RunResult, float]:
    """chaosbench on the same queue, with every safeguard ``"on"`` or ``"off"``; the run and its wall seconds."""
    scenario = Scenario.model_validate({
        "name": f"bench_mmc_safeguards_{safeguards}",
        "duration": customers / ARRIVAL_RATE,
        "stack": {"safeguards": safeguards, "htm": {"workers": SERVERS}},
        "workload": [{"tasks": {"rate": ARRIVAL_RATE, "service": {"exponential": 1 / SERVICE_RATE}}}],
    })
    started = time.perf_counter()
    result = run_scenario(scenario, seed=seed)
    return result, time.perf_counter() - started
