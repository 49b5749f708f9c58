"""One run: the SimPy runtime, the runner, the sampler, the journal and the run directory.

May import ``sim.scenario`` and everything below it, and ``orchestration``.
"""
