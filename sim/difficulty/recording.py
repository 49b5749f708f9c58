"""Recording finished runs in the memory database, each run in one transaction.

A run adds its row to ``runs`` and ``memory_execution_logs``, updates its
scenario's verification suite and ladder standing, opens (or counts again) a
coding work order for each expected safeguard that never fired, adds the
immune kernel's playbook outcomes to their success rates (per incident
signature too, :mod:`sim.difficulty.playbooks`), the run's governance
decisions, and each workflow's trigger statistics. The other
tables of design document 004 are filled by :mod:`sim.difficulty.knowledge`
(documents, datasets, code bases, insights), :mod:`sim.difficulty.operations`
(sub-agents, discovery targets, SOPs) and :mod:`sim.difficulty.assessment`
(compliance, feedback tickets, KPI dashboards), inside the same transaction.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from chaosbench.sim.difficulty.assessment import open_feedback_tickets, record_compliance, record_resilience_kpis
from chaosbench.sim.difficulty.knowledge import (
    record_codebase,
    record_datasets,
    record_insights,
    record_journal_document,
)
from chaosbench.sim.difficulty.ladder import Standing, advance_standing
from chaosbench.sim.difficulty.memory import MemoryDB
from chaosbench.sim.difficulty.operations import record_hunter_scans, record_sops, record_sub_agents
from chaosbench.sim.difficulty.playbooks import record_playbooks
from chaosbench.sim.run.record import Journal, RunResult
from chaosbench.sim.scenario.model import Scenario


@dataclass(frozen=True)
class RunRecord:
    """What recording a run did."""

    run_id: int
    before: Standing
    after: Standing

    @property
    def escalated(self) -> bool:
        return self.after.level > self.before.level


def record_run(db: MemoryDB, result: RunResult, scenario: Scenario, *, when: str,
               run_dir: str | Path | None = None, round: int | None = None) -> RunRecord:
    """Record ``result`` (a run of ``scenario``) as of time ``when`` (ISO 8601)."""
    journal = result.journal
    failed_probes = [probe.id for probe in journal.failed_probes]
    broken = list(journal.broken_invariants)
    status = "passed" if journal.passed else "failed"
    immune = result.table("immune")
    directory = Path(run_dir) if run_dir is not None else None
    with db.transaction():
        run_id = db.insert("runs", {
            "scenario": journal.scenario, "file": journal.file, "level": journal.level,
            "seed": journal.seed, "passed": journal.passed, "trace_digest": journal.trace_digest,
            "sim_time": journal.sim_time, "wall_time_s": journal.wall_time_s,
            "events_processed": journal.events_processed, "started_at": when, "round": round,
            "run_dir": str(run_dir) if run_dir is not None else None, "failed_probes": failed_probes,
            "broken_invariants": broken, "findings": journal.findings, "reproduce": journal.reproduce,
            "probes": len(journal.probes), "canary": journal.canary,
        })
        db.insert("memory_execution_logs", {
            "run_id": run_id, "command_type": "chaos_run", "component": journal.scenario,
            "status": status, "started_at": when, "completed_at": when,
            "duration_ms": journal.wall_time_s * 1000, "exit_code": 0 if journal.passed else 1,
            "error_message": "; ".join(f"probe {name} failed" for name in failed_probes)
            + "".join(f"; invariant {name} broken" for name in broken) or None,
            "resource_usage": {"events_processed": journal.events_processed, "sim_time": journal.sim_time},
            "post_mortem_findings": journal.findings,
            "remediation_applied": journal.safeguards.fired,
            "linked_playbook_id": str(immune["playbook"].iloc[0]) if immune is not None and not immune.empty else None,
        })
        orders = _open_work_orders(db, journal, run_id, when)
        _update_suite(db, journal, when, orders)
        record_playbooks(db, immune, result.table("learning"), when)
        _record_governance(db, journal, run_id, when)
        _update_triggers(db, result.table("workflows"), when)
        record_journal_document(db, result, run_id, when, directory)
        record_datasets(db, result, run_id, when, directory)
        record_codebase(db, result, when)
        record_insights(db, result, run_id, when)
        record_sub_agents(db, result, when)
        record_hunter_scans(db, result, when)
        record_sops(db, result, when)
        record_compliance(db, journal, run_id, when)
        open_feedback_tickets(db, journal, run_id, when, orders)
        record_resilience_kpis(db, result, run_id, when)
        before, after = advance_standing(db, journal.scenario, scenario.difficulty, journal.level,
                                         journal.passed, when)
    return RunRecord(run_id, before, after)


def _update_suite(db: MemoryDB, journal: Journal, when: str, orders: list[int]) -> None:
    previous = db.get("memory_verification_suites", journal.scenario)
    probes = journal.probes
    passed = sum(probe.passed for probe in probes)
    db.upsert("memory_verification_suites", {
        "suite_name": journal.scenario, "suite_type": "chaos",
        "component_under_test": journal.tags,
        "test_cases": [probe.id for probe in probes],
        "passed_tests": passed, "failed_tests": len(probes) - passed, "skipped_tests": 0,
        "total_runs": (int(previous["total_runs"]) if previous else 0) + 1,
        "last_run_status": "pass" if journal.passed else "fail", "last_run_at": when,
        "linked_fixes": sorted(set(previous["linked_fixes"] or [] if previous else []) | set(orders)),
        "auto_run": True,
    })


def _open_work_orders(db: MemoryDB, journal: Journal, run_id: int, when: str) -> list[int]:
    """One pending order per (scenario, missing safeguard); a repeat counts another occurrence."""
    orders = []
    for safeguard in journal.safeguards.missing:
        existing = db.query("memory_coding_work_orders",
                            where={"scenario": journal.scenario, "safeguard": safeguard, "status": "pending"})
        if not existing.empty:
            order = existing.iloc[0]
            db.upsert("memory_coding_work_orders", {**order.to_dict(), "occurrences": int(order["occurrences"]) + 1})
            orders.append(int(order["work_order_id"]))
            continue
        orders.append(db.insert("memory_coding_work_orders", {
            "title": f"Safeguard {safeguard} never fired in {journal.scenario}",
            "task_type": "bugfix", "status": "pending", "scenario": journal.scenario, "safeguard": safeguard,
            "affected_files": [], "created_at": when, "first_run_id": run_id, "occurrences": 1,
            "description": (f"{journal.scenario} expects {safeguard} to fire, and it did not at level "
                            f"{journal.level} (seed {journal.seed}). Reproduce: {journal.reproduce}"),
        }))
    return orders


#: Journal counters that are governance decisions: subject, decision type, outcome, decision maker.
_DECISIONS = {
    "safeguard.governance_deny": ("unauthorized requests", "denial", "denied", "governance_gate"),
    "governance.would_deny": ("unauthorized requests", "denial", "allowed_and_logged", "governance_gate"),
    "safeguard.approval_gate": ("tasks needing approval", "approval", "held_for_the_operator", "approval_gate"),
    "tasks.expired": ("tasks needing approval", "escalation", "expired_unanswered", "operator"),
    "approval.approved": ("tasks needing approval", "approval", "approved", "operator"),
    "approval.denied": ("tasks needing approval", "approval", "denied", "operator"),
    "intents.votes_passed": ("tier-3 intents", "vote", "passed", "unified_logic"),
    "intents.votes_failed": ("tier-3 intents", "vote", "failed", "unified_logic"),
}


def _record_governance(db: MemoryDB, journal: Journal, run_id: int, when: str) -> None:
    """One row per kind of governance decision the run took, with how many times."""
    counts = {**journal.counts.counters, **{f"safeguard.{k}": v for k, v in journal.safeguards.fired.items()},
              "tasks.expired": journal.counts.tasks.get("expired", 0)}
    for key, (subject, decision_type, outcome, maker) in _DECISIONS.items():
        if counts.get(key):
            db.insert("memory_governance_decisions", {
                "run_id": run_id, "decision_type": decision_type, "subject": subject, "decision_maker": maker,
                "decision_outcome": outcome, "count": int(counts[key]), "created_at": when,
                "audit_stamp": journal.audit.head or None,
            })


def _update_triggers(db: MemoryDB, workflows: pd.DataFrame | None, when: str) -> None:
    """Add this run's workflow executions to each trigger's totals."""
    if workflows is None or workflows.empty:
        return
    for name, rows in workflows.groupby("workflow", sort=True):
        previous = db.get("memory_trigger_mesh", name) or {}
        runs = len(rows)
        succeeded = int((rows["outcome"] == "completed").sum())
        total = int(previous.get("total_triggers") or 0) + runs
        mean_ms = float(rows["latency"].mean() * 1000)
        if previous.get("avg_execution_time_ms") is not None:
            mean_ms = (previous["avg_execution_time_ms"] * (total - runs) + mean_ms * runs) / total
        db.upsert("memory_trigger_mesh", {
            "trigger_name": name, "event_type": str(rows["event_type"].iloc[0]), "enabled": True,
            "total_triggers": total,
            "successful_triggers": int(previous.get("successful_triggers") or 0) + succeeded,
            "failed_triggers": int(previous.get("failed_triggers") or 0) + runs - succeeded,
            "avg_execution_time_ms": mean_ms, "last_triggered_at": when,
        })
