"""Difficulty over time: the ladder, the frontier, the chaos loop, batches of runs and the memory database.

May import ``sim.parallel``, ``sim.store``, and ``sim.run`` and everything below it.
"""
