"""Workloads: Poisson task arrivals, typed event streams and intent streams that drive the stack for a whole run.

May import ``sim.spec`` and ``orchestration``.
"""
