"""Workloads: Poisson task arrivals and typed event streams that drive the stack for a whole run.

May import ``sim.spec`` and ``orchestration``.
"""
