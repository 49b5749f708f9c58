"""Where a sweep's runs execute: in this process, in a local process pool, or on a Dask cluster.

An executor takes a module-level function and a list of work items (plain,
picklable data) and yields ``(item, result)`` pairs as each item finishes,
in whatever order they finish. Nothing about a run depends on where it ran:
each item carries its seed, so every executor gives the same results.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

Work = Callable[[Any], Any]

_NONE_LEFT = object()
#: Most local processes per core: more only share the same cores and multiply the memory.
MAX_WORKERS_PER_CORE = 4


class ExecutorUnavailable(RuntimeError):
    """An executor that cannot be used here (a missing optional dependency, an unreachable cluster)."""


class WorkFailed(RuntimeError):
    """A piece of work that could not be carried out (its message says why); plain, so it crosses processes."""


class WorkerLost(RuntimeError):
    """A worker process died under the work (killed by the operating system, out of memory...): the
    environment's failure, not the input's. What finished before it is kept."""


class Executor(Protocol):
    workers: int

    def run(self, work: Work, items: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        """Apply ``work`` to every item; yield ``(item, result)`` as each finishes."""

    def close(self) -> None:
        """Release processes, clients and clusters."""


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class SerialExecutor:
    """Every item in turn, in this process."""

    workers = 1

    def run(self, work: Work, items: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        for item in items:
            yield item, work(item)

    def close(self) -> None:
        pass


class PoolExecutor:
    """A pool of ``workers`` local processes.

    On Linux the workers are forked: they start in milliseconds with the
    testbench already imported, which is what lets a sweep of short runs
    scale. Elsewhere they are spawned (the work function is module-level, so
    that is safe too). At most two items per worker are in flight, so an
    interrupted sweep abandons little work.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        context = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        # Start the workers now, before this process starts threads of its own (a progress bar's monitor):
        # forking a process that runs other threads is what can deadlock a child.
        self._pool.submit(os.getpid).result()

    def run(self, work: Work, items: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        pending: dict[Any, Any] = {}
        queue = iter(items)
        try:
            for item in queue:
                pending[self._pool.submit(work, item)] = item
                if len(pending) >= 2 * self.workers:
                    break
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    item = pending.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        raise WorkerLost(f"a worker process of the pool died (killed by the operating system, "
                                         f"perhaps for memory) while {len(pending) + 1} piece(s) of work were "
                                         f"under way; what finished is kept") from None
                    yield item, result
                    following = next(queue, _NONE_LEFT)
                    if following is not _NONE_LEFT:
                        pending[self._pool.submit(work, following)] = following
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class DaskExecutor:
    """Items as tasks on a ``dask.distributed`` cluster: ``address`` of a scheduler, or ``local``.

    ``local`` starts a LocalCluster of ``workers`` single-threaded worker
    processes (threads of this process with ``processes=False``). Tasks are
    submitted with ``pure=False`` under the item's own key, so Dask never
    reuses a result for a different seed.
    """

    def __init__(self, address: str, workers: int, processes: bool = True,
                 key: Callable[[Any], str] = str, timeout: str = "10s") -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ExecutorUnavailable("--dask needs dask.distributed: pip install 'chaosbench[dask]'") from None
        self._cluster = None
        self._key = key
        try:
            if address == "local":
                self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes,
                                             dashboard_address=None)
                self._client = Client(self._cluster)
            else:
                self._client = Client(address, timeout=timeout)
        except OSError as exc:
            if self._cluster is not None:
                self._cluster.close()
            raise ExecutorUnavailable(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        self.workers = max(1, sum(self._client.nthreads().values()))

    def run(self, work: Work, items: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
        from distributed import as_completed

        futures = {}
        for item in items:
            future = self._client.submit(work, item, key=self._key(item), pure=False)
            futures[future.key] = (future, item)
        try:
            for future in as_completed([future for future, _ in futures.values()]):
                yield futures[future.key][1], future.result()
        finally:
            self._client.cancel([future for future, _ in futures.values()])

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(workers: int | None = None, dask: str | None = None, *,
                  key: Callable[[Any], str] = str) -> Executor:
    """The executor for ``--workers`` / ``--dask``: serial for one worker, else a process pool or Dask.

    ``workers`` defaults to the number of cores, and may be at most :data:`MAX_WORKERS_PER_CORE` per core
    (an :class:`ExecutorUnavailable` otherwise).
    """
    count = workers if workers is not None else cores()
    if count > MAX_WORKERS_PER_CORE * cores():
        raise ExecutorUnavailable(f"--workers {count}: at most {MAX_WORKERS_PER_CORE * cores()} processes "
                                  f"({MAX_WORKERS_PER_CORE} per core, {cores()} cores here)")
    if dask is not None:
        return DaskExecutor(dask, count, key=key)
    if count <= 1:
        return SerialExecutor()
    return PoolExecutor(count)
