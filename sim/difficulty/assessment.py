"""Recording how a run was judged in the memory tables: compliance reports, feedback tickets and KPI dashboards.

Each function adds one run's rows inside the transaction of
:func:`sim.difficulty.recording.record_run`: its governance compliance (the
safety invariants as controls, the gate's counters as evidence), a ticket for
each finding, failed probe and broken invariant, and its resilience KPIs.
"""
from __future__ import annotations

import math

from chaosbench.sim.difficulty.memory import MemoryDB
from chaosbench.sim.run.record import Journal, RunResult

#: The counters that show how governance treated the run's requests.
_GOVERNANCE_COUNTERS = ("governance.would_deny", "safeguard.governance_deny", "safeguard.approval_gate")


def record_compliance(db: MemoryDB, journal: Journal, run_id: int, when: str) -> None:
    """The run's compliance with the safety invariants; any broken one is a gap and makes it non-compliant."""
    broken = journal.broken_invariants
    counters = {**journal.counts.counters,
                **{f"safeguard.{name}": count for name, count in journal.safeguards.fired.items()}}
    governance = {name: counters[name] for name in _GOVERNANCE_COUNTERS if counters.get(name)}
    db.insert("memory_compliance_reports", {
        "run_id": run_id, "compliance_framework": "chaosbench safety invariants", "report_type": "audit",
        "subject": journal.label, "compliance_status": "non_compliant" if broken else "compliant",
        "risk_level": "critical" if broken else "low", "controls_checked": sorted(journal.invariants),
        "gaps_identified": [{"control": name, "detail": check.detail} for name, check in sorted(broken.items())],
        "remediation_actions": [journal.reproduce] if broken else [], "governance_counts": governance,
        "audit_chain_head": journal.audit.head or None, "assessed_by": "chaosbench", "created_at": when,
    })


def open_feedback_tickets(db: MemoryDB, journal: Journal, run_id: int, when: str,
                          work_orders: list[int]) -> None:
    """A ticket per broken invariant, failed probe and finding; a repeat counts again on the open ticket.

    A canary is meant to fail, so its failures are not tickets.
    """
    if journal.canary:
        return
    problems = ([(f"invariant {name} broken", "critical", check.detail)
                 for name, check in sorted(journal.broken_invariants.items())]
                + [(f"probe {probe.id} failed", "high", f"measured {probe.shown}, bound {probe.bound}")
                   for probe in journal.failed_probes]
                + [(finding, "medium", finding) for finding in journal.findings])
    for title, priority, detail in problems:
        existing = db.query("memory_feedback_tickets",
                            where={"affected_component": journal.scenario, "title": title, "status": "open"})
        if not existing.empty:
            ticket = existing.iloc[0].to_dict()
            db.upsert("memory_feedback_tickets", {**ticket, "occurrences": int(ticket["occurrences"]) + 1})
            continue
        db.insert("memory_feedback_tickets", {
            "ticket_type": "bug", "title": title, "priority": priority, "status": "open",
            "description": f"{detail} in {journal.label}. Reproduce: {journal.reproduce}",
            "reporter": "chaosbench", "affected_component": journal.scenario,
            "linked_work_orders": work_orders, "first_run_id": run_id, "occurrences": 1, "created_at": when,
        })


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def record_resilience_kpis(db: MemoryDB, result: RunResult, run_id: int, when: str) -> None:
    """The run's resilience KPIs as a dashboard: every probe against its bound, throughput and lost work."""
    journal = result.journal
    tasks = journal.counts.tasks
    created = journal.counts.tasks_created
    kpis: dict[str, float | None] = {probe.id: _finite(probe.value) for probe in journal.probes}
    kpis["throughput_per_s"] = tasks.get("completed", 0) / journal.sim_time if journal.sim_time else None
    kpis["completed_fraction"] = tasks.get("completed", 0) / created if created else None
    kpis["lost_tasks"] = float(sum(tasks.get(outcome, 0) for outcome in ("failed", "dead_lettered", "shed")))
    db.insert("memory_business_intelligence", {
        "run_id": run_id, "dashboard_name": journal.scenario, "category": "resilience",
        "kpi_definitions": {probe.id: str(probe.bound) for probe in journal.probes},
        "kpi_values": kpis, "data_sources": sorted(result.tables), "refresh_cadence": "per run",
        "owner": "chaosbench", "last_refresh_at": when, "query_performance_ms": journal.wall_time_s * 1000,
        "created_at": when, "status": "pass" if journal.passed else "fail",
    })
