"""The ``chaosbench`` command line: argument types, exit codes, progress bars, terminal summaries.

A front end: may import ``chaosbench.reports``, ``chaosbench.sim`` and ``chaosbench.orchestration``.
"""
