"""Recording how the stack operated in the memory tables: sub-agents, discovery targets and SOP manuals.

Each function updates its table inside the transaction of
:func:`sim.difficulty.recording.record_run`, adding one run to totals kept
over runs: the task manager's workers (relief agents among them) as
sub-agents of their scenario, the Hunter kernel's calls as scans of a
discovery target, and the workflows and healing playbooks as SOPs.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from chaosbench.sim.difficulty.memory import MemoryDB
from chaosbench.sim.run.record import Journal, RunResult


def _pool_size(journal: Journal) -> int:
    """The workers the run started with; any worker id from there on was added during the run."""
    return int(journal.parameters.get("stack", {}).get("htm", {}).get("workers", 0))


def record_sub_agents(db: MemoryDB, result: RunResult, when: str) -> None:
    """Each worker that ran a task, as a sub-agent of its scenario's task manager, with its task totals.

    Workers beyond the starting pool were added during the run: relief agents
    when the relief safeguard fired, otherwise workers a fault added.
    """
    journal, tasks = result.journal, result.tasks
    if tasks.empty:
        return
    pool = _pool_size(journal)
    relief = bool(journal.safeguards.fired.get("relief_agent"))
    manager = f"{journal.scenario}/htm"
    for worker, rows in tasks[tasks["worker"] >= 0].groupby("worker", sort=True):
        added = int(worker) >= pool
        agent_id = f"{journal.scenario}/worker_{int(worker)}"
        previous = db.get("memory_sub_agents", agent_id) or {}
        completed = int(previous.get("tasks_completed") or 0) + int((rows["outcome"] == "completed").sum())
        failed = int(previous.get("tasks_failed") or 0) + int(rows["outcome"].isin(["failed", "dead_lettered"]).sum())
        db.upsert("memory_sub_agents", {
            "agent_id": agent_id, "agent_name": f"worker_{int(worker)}",
            "agent_type": "shard" if added else "worker",
            "mission": ("relief agent spawned under stress" if relief else "worker added during the run")
            if added else "serve the task manager's queues",
            "capabilities": sorted(set(rows["kind"].astype(str))), "status": "idle",
            "tasks_completed": completed, "tasks_failed": failed,
            "success_rate": completed / (completed + failed) if completed + failed else None,
            "parent_agent_id": manager, "scenario": journal.scenario,
            "total_runs": int(previous.get("total_runs") or 0) + 1,
            "created_at": previous.get("created_at") or when, "last_active_at": when,
        })


def record_hunter_scans(db: MemoryDB, result: RunResult, when: str) -> None:
    """The Hunter kernel's calls in this run, as scans of its discovery target; failed calls count as errors."""
    counts = result.journal.counts
    calls = counts.counter("kernel.hunter.calls")
    if not calls:
        return
    failures, timeouts = counts.counter("kernel.hunter.failures"), counts.counter("kernel.hunter.timeouts")
    previous = db.get("memory_discovery_targets", "hunter") or {}
    errors = int(previous.get("error_count") or 0) + failures
    discovered = calls - failures - timeouts
    db.upsert("memory_discovery_targets", {
        "target_name": "hunter", "target_type": "api", "target_url": "kernel://hunter/analyze",
        "discovery_priority": "high", "scan_frequency": "on alert", "last_scan_at": when,
        "total_scans": int(previous.get("total_scans") or 0) + calls,
        "items_discovered": int(previous.get("items_discovered") or 0) + discovered,
        "items_ingested": int(previous.get("items_ingested") or 0) + discovered,
        "error_count": errors, "timeout_count": int(previous.get("timeout_count") or 0) + timeouts,
        "status": "error" if failures or timeouts else "active",
        "scenarios": sorted({result.journal.scenario} | set(previous.get("scenarios") or [])),
        "created_at": previous.get("created_at") or when,
    })


def record_sops(db: MemoryDB, result: RunResult, when: str) -> None:
    """Each workflow that ran and each playbook the immune kernel applied, as an SOP with its steps.

    An SOP's version goes up when its steps differ from the ones recorded before.
    """
    workflows, actions, immune = result.workflows, result.actions, result.immune
    if not workflows.empty:
        for name, runs in workflows.groupby("workflow", sort=True):
            steps = actions[actions["workflow"] == name] if not actions.empty else pd.DataFrame()
            procedures = [{"action": str(action), "target": str(target)} for action, target
                          in sorted(set(zip(steps.get("action", []), steps.get("target", []), strict=True)))]
            _upsert_sop(db, f"workflow:{name}", {"title": f"Workflow {name}", "category": "workflow",
                                                 "procedures": procedures}, len(runs), when)
    if not immune.empty:
        for playbook, uses in immune.groupby("playbook", sort=True):
            _upsert_sop(db, f"playbook:{playbook}", {
                "title": f"Healing playbook {playbook}", "category": "playbook",
                "procedures": [{"action": str(playbook), "target": "immune_kernel"}],
                "required_approvers": ["governance_gate"], "linked_playbook_id": str(playbook),
            }, len(uses), when)


def _upsert_sop(db: MemoryDB, sop_id: str, fields: dict[str, Any], executed: int, when: str) -> None:
    previous = db.get("memory_sop_manuals", sop_id) or {}
    version = int(previous.get("version") or 0)
    if not previous or previous.get("procedures") != fields["procedures"]:
        version += 1
    db.upsert("memory_sop_manuals", {
        "sop_id": sop_id, **fields, "version": version, "status": "active",
        "times_executed": int(previous.get("times_executed") or 0) + executed,
        "created_at": previous.get("created_at") or when, "updated_at": when,
    })
