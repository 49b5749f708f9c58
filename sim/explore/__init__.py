"""Property-based exploration: fault schedules as Hypothesis data, the search and its shrinking.

May import ``sim.run`` and everything below it.
"""
