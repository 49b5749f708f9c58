"""Where Arrow takes the memory of a run's tables from.

Text columns become Arrow-backed strings, so Arrow allocates a frame's
memory. pyarrow's default allocator, mimalloc, commits each arena it
reserves in full at once: turning a long run's audit table into a frame
spent three times as long in the kernel filling those pages as in the
conversion itself. jemalloc does not; the C library's allocator is as fast
but lets a ten-million-task run's memory grow by a tenth.
"""
from __future__ import annotations

import os

import pyarrow as pa


def choose_allocator() -> None:
    """Point pyarrow at jemalloc (the C library's allocator where pyarrow was built without it), unless
    ``ARROW_DEFAULT_MEMORY_POOL`` names an allocator."""
    if "ARROW_DEFAULT_MEMORY_POOL" in os.environ:
        return
    try:
        pool = pa.jemalloc_memory_pool()
    except NotImplementedError:
        pool = pa.system_memory_pool()
    pa.set_memory_pool(pool)
