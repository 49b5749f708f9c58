"""Where independent pieces of work execute: in this process, in a local process pool, or on a Dask cluster.

Shared by the sweeps, the suites and the swarms of searches. Imports nothing else of chaosbench.
"""
