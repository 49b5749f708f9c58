"""Queueing-theory reference values the simulation is checked against."""
from __future__ import annotations


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arrival waits in an M/M/c queue (Erlang C).

    ``offered_load`` is λ/μ in Erlangs and must be below ``servers``.
    """
    if not 0 <= offered_load < servers:
        raise ValueError(f"offered load {offered_load} must be in [0, {servers}) for a stable queue")
    term, total = 1.0, 1.0  # a^k / k! for k = 0, accumulated over k < c
    for k in range(1, servers):
        term *= offered_load / k
        total += term
    top = term * offered_load / (servers - offered_load)  # a^c / c! * c / (c - a)
    return top / (total + top)


def mmc_mean_wait(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Mean time an M/M/c customer spends waiting in queue (Wq)."""
    load = arrival_rate / service_rate
    return erlang_c(servers, load) / (servers * service_rate - arrival_rate)
