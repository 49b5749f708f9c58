"""Running a drill: the stack under its workload, the incidents injected on time, a record of every answer.

A drill is a run like any other (:func:`sim.run.runner.run_scenario`: its
invariants are checked and it writes a run directory), plus the ``incidents``
table. Its journal describes the drill: ``parameters`` is the incident file,
``reproduce`` the ``chaosbench drill`` command, and it passes when every
invariant held and every incident was detected and healed in time. The
counters ``drill.incidents``, ``drill.detected``, ``drill.healed`` and
``drill.healed_in_time`` summarise the records; each incident that did not
pass is a finding.
"""
from __future__ import annotations

import shlex
from dataclasses import dataclass

import pandas as pd

from chaosbench.sim.drills.model import Drill
from chaosbench.sim.drills.observer import ResponseObserver
from chaosbench.sim.drills.records import IncidentRecord, records_frame
from chaosbench.sim.run.layout import INCIDENTS
from chaosbench.sim.run.record import Journal, RunResult
from chaosbench.sim.run.runner import ProgressHook, run_scenario
from chaosbench.sim.run.runtime import SimRuntime


@dataclass(frozen=True)
class DrillResult:
    """A finished drill: its run (journal and tables, ``incidents`` among them) and its records."""

    run: RunResult
    records: list[IncidentRecord]

    @property
    def passed(self) -> bool:
        return self.run.passed

    @property
    def journal(self) -> Journal:
        return self.run.journal

    @property
    def incidents(self) -> pd.DataFrame:
        """The ``incidents`` table: the records, one row each."""
        return self.run.tables[INCIDENTS]


def drill_command(file: str, seed: int) -> str:
    """The one command that reruns a drill, quoted for a shell."""
    return shlex.join(["chaosbench", "drill", file, "--seed", str(seed)])


def run_drill(drill: Drill, *, seed: int, file: str = "", progress: ProgressHook | None = None) -> DrillResult:
    """Run ``drill`` with ``seed``: inject its incidents into the stack and record how each was answered.

    Raises ScenarioError when the stack configuration cannot be built.
    """
    observer = ResponseObserver(drill)
    file = file or f"{drill.name}.yaml"
    run = run_scenario(drill.scenario(), seed=seed, file=file, progress=progress,
                       runtime=SimRuntime(seed, trace=observer.trace), attach=observer.attach)
    records = observer.records(run.tables.get("workflows"))
    tables = {**run.tables, INCIDENTS: records_frame(records)}
    return DrillResult(RunResult(_journal(run.journal, drill, records, drill_command(file, seed)), tables), records)


def _journal(journal: Journal, drill: Drill, records: list[IncidentRecord], reproduce: str) -> Journal:
    failed = [record for record in records if not record.passed]
    summary = {
        "drill.incidents": len(records),
        "drill.detected": sum(record.detected_at is not None for record in records),
        "drill.healed": sum(record.healed_at is not None for record in records),
        "drill.healed_in_time": len(records) - len(failed),
    }
    counts = journal.counts.model_copy(update={"counters": {**journal.counts.counters, **summary}})
    return journal.model_copy(update={
        "parameters": drill.model_dump(mode="json", by_alias=True),
        "passed": journal.passed and not failed,
        "counts": counts,
        "findings": [*journal.findings, *map(_finding, failed)],
        "reproduce": reproduce,
    })


def _finding(record: IncidentRecord) -> str:
    bound = f"{record.heal_within:g}s"
    if record.outcome == "not detected":
        return f"incident {record.incident} ({record.kind} of {record.target}) was never detected"
    if record.outcome == "not healed":
        return f"incident {record.incident} ({record.kind} of {record.target}) was detected but never healed"
    return (f"incident {record.incident} ({record.kind} of {record.target}) healed in "
            f"{record.time_to_heal:g}s, over its bound of {bound}")
