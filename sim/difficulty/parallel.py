"""A batch of runs carried out by an executor (serial, local processes or Dask), recorded in the batch's order.

Each run writes its own run directory wherever it executes (on a Dask
cluster, the run folder must be one the workers share); the memory database
is written only here, in the order of the jobs, as soon as every earlier job
is done, so a parallel batch records exactly what the same batch run one job
at a time records. Nothing about a run depends on where it ran.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence

from chaosbench.sim.difficulty.batch import Job, Outcome, Target, carry_out, settle
from chaosbench.sim.difficulty.memory import MemoryDB
from chaosbench.sim.parallel.executors import Executor, WorkFailed
from chaosbench.sim.run.record import RunResult
from chaosbench.sim.scenario.loader import ScenarioError

#: Called with how many jobs have finished and the result of the one that just did.
Finished = Callable[[int, RunResult], None]


def run_jobs(jobs: Sequence[tuple[Target, Job]], executor: Executor, *, db: MemoryDB | None, when: str,
             finished: Finished | None = None) -> list[Outcome]:
    """Carry out every job (a run of its target) on ``executor``; the outcomes in the order of ``jobs``, each
    recorded in ``db`` in that order."""
    done: dict[int, RunResult] = {}
    outcomes: list[Outcome] = []
    items = [(index, job) for index, (_, job) in enumerate(jobs)]
    for count, ((index, job), result) in enumerate(executor.run(_carry_out, items), start=1):
        done[index] = result
        if finished is not None:
            finished(count, result)
        while len(outcomes) in done:
            target, job = jobs[len(outcomes)]
            outcomes.append(settle(target, job, done.pop(len(outcomes)), db, when=when))
    return outcomes


def job_key(batch: str | None = None) -> Callable[[tuple[int, Job]], str]:
    """Names for a batch's jobs on a Dask cluster: unique to this batch, so no earlier result is reused."""
    token = batch or uuid.uuid4().hex[:12]
    return lambda item: f"chaosbench-run-{token}-{item[0]}-{item[1].file.stem}-seed{item[1].seed}"


def _carry_out(item: tuple[int, Job]) -> RunResult:
    try:
        return carry_out(item[1])
    except ScenarioError as exc:  # its problems do not cross a process boundary; its text does
        raise WorkFailed(exc.render()) from None
