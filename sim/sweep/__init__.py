"""Sweeps: seeds x settings x levels, their executors (serial, processes, Dask), part files and statistics.

May import ``sim.parallel``, and ``sim.run`` and everything below it.
"""
