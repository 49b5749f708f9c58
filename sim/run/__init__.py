"""One run: the SimPy runtime, the runner, the sampler, the journal, the run record and the run directory.

May import ``sim.scenario`` and everything below it, and ``orchestration``.
``layout``, ``record`` and ``rundir`` are light (no SimPy, no stack: they import
only ``layout`` and ``record`` of this package), so the reports and the front
ends can read runs without loading a simulation.
"""
