"""Recording finished runs in the memory database, each run in one transaction.

A run adds its row to ``runs`` and ``memory_execution_logs``, updates its
scenario's verification suite and ladder standing, and opens (or counts again)
a coding work order for each expected safeguard that never fired.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .ladder import Standing, advance_standing
from .memory import MemoryDB
from .runner import RunResult
from .scenario import Scenario


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
    failed_probes = [probe["name"] for probe in journal["probes"] if not probe["passed"]]
    broken = [name for name, check in journal["invariants"].items() if not check["held"]]
    findings = journal.get("findings", [])
    with db.transaction():
        run_id = db.insert("runs", {
            "scenario": journal["scenario"], "file": journal["file"], "level": journal["level"],
            "seed": journal["seed"], "passed": journal["passed"], "trace_digest": journal["trace_digest"],
            "sim_time": journal["sim_time"], "wall_time_s": journal["wall_time_s"],
            "events_processed": journal["events_processed"], "started_at": when, "round": round,
            "run_dir": str(run_dir) if run_dir is not None else None, "failed_probes": failed_probes,
            "broken_invariants": broken, "findings": findings, "reproduce": journal["reproduce"],
        })
        db.insert("memory_execution_logs", {
            "run_id": run_id, "command_type": "chaos_run", "component": journal["scenario"],
            "status": "passed" if journal["passed"] else "failed", "started_at": when, "completed_at": when,
            "duration_ms": journal["wall_time_s"] * 1000, "exit_code": 0 if journal["passed"] else 1,
            "error_message": "; ".join(f"probe {name} failed" for name in failed_probes)
            + "".join(f"; invariant {name} broken" for name in broken) or None,
            "resource_usage": {"events_processed": journal["events_processed"], "sim_time": journal["sim_time"]},
            "post_mortem_findings": findings,
            "remediation_applied": journal["safeguards"]["fired"],
        })
        orders = _open_work_orders(db, journal, run_id, when)
        _update_suite(db, journal, when, orders)
        before, after = advance_standing(db, journal["scenario"], scenario.difficulty, journal["level"],
                                         journal["passed"], when)
    return RunRecord(run_id, before, after)


def _update_suite(db: MemoryDB, journal: dict, when: str, orders: list[int]) -> None:
    previous = db.get("memory_verification_suites", journal["scenario"])
    probes = journal["probes"]
    passed = sum(probe["passed"] for probe in probes)
    db.upsert("memory_verification_suites", {
        "suite_name": journal["scenario"], "suite_type": "chaos",
        "component_under_test": journal["parameters"].get("tags", []),
        "test_cases": [probe["name"] for probe in probes],
        "passed_tests": passed, "failed_tests": len(probes) - passed, "skipped_tests": 0,
        "total_runs": (int(previous["total_runs"]) if previous else 0) + 1,
        "last_run_status": "pass" if journal["passed"] else "fail", "last_run_at": when,
        "linked_fixes": sorted(set(previous["linked_fixes"] or [] if previous else []) | set(orders)),
        "auto_run": True,
    })


def _open_work_orders(db: MemoryDB, journal: dict, run_id: int, when: str) -> list[int]:
    """One pending order per (scenario, missing safeguard); a repeat counts another occurrence."""
    orders = []
    for safeguard in journal["safeguards"]["missing"]:
        existing = db.query("memory_coding_work_orders",
                            where={"scenario": journal["scenario"], "safeguard": safeguard, "status": "pending"})
        if not existing.empty:
            order = existing.iloc[0]
            db.upsert("memory_coding_work_orders", {**order.to_dict(), "occurrences": int(order["occurrences"]) + 1})
            orders.append(int(order["work_order_id"]))
            continue
        orders.append(db.insert("memory_coding_work_orders", {
            "title": f"Safeguard {safeguard} never fired in {journal['scenario']}",
            "task_type": "bugfix", "status": "pending", "scenario": journal["scenario"], "safeguard": safeguard,
            "affected_files": [], "created_at": when, "first_run_id": run_id, "occurrences": 1,
            "description": (f"{journal['scenario']} expects {safeguard} to fire, and it did not at level "
                            f"{journal['level']} (seed {journal['seed']}). Reproduce: {journal['reproduce']}"),
        }))
    return orders
