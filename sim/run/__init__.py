"""One run: the SimPy runtime, the runner, the sampler, the journal, the run record and the run directory.

May import ``sim.scenario`` and everything below it, and ``orchestration``.
``layout``, ``verdict``, ``probe_result``, ``record``, ``rundir`` and
``provenance`` are light (no SimPy, no stack: they import only each other
and ``sim.checks.identity``), so the reports and the front ends can read
runs without loading a simulation.
"""
