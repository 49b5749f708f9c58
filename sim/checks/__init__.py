"""Judging a run: steady-state probes, safety invariants, recovery time, findings, the safeguard names and
queueing theory.

May import ``sim.spec`` and ``orchestration``. Its measures (``recovery``, the probe values) are pure functions of
tables, so ``reports`` may use them without loading a simulation.
"""
