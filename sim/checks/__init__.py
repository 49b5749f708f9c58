"""Judging a run: steady-state probes, safety invariants, recovery time, findings, the safeguard names and
queueing theory.

May import ``sim.spec`` and ``orchestration``. Its pure measures (``measures``: SLA compliance,
recovery time) are functions of tables only, so ``reports`` may use them without loading a simulation.
"""
