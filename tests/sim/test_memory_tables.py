"""The eighteen memory tables of design document 004: their fields, and what a run fills in them."""
from __future__ import annotations

import pytest

import chaosbench
from chaosbench.cli.main import main
from chaosbench.sim.difficulty.memory import MemoryDB, load_schemas
from chaosbench.sim.difficulty.recording import record_run
from chaosbench.sim.run.record import InvariantResult, RunResult
from tests.conftest import ROOT

#: Each table of design document 004 with the fields the document names for it.
DOCUMENT_004 = {
    "memory_documents": {"title", "key_topics"},
    "memory_codebases": {"codebase_name", "language", "version"},
    "memory_datasets": {"dataset_name", "row_count"},
    "memory_media": {"media_type", "file_path"},
    "memory_insights": {"insight_type", "content"},
    "memory_self_healing_playbooks": {
        "playbook_name", "trigger_conditions", "actions", "success_rate", "total_runs", "successful_runs",
        "last_used_at", "avg_execution_time_ms", "trust_score", "risk_level", "requires_approval"},
    "memory_coding_work_orders": {
        "work_order_id", "title", "task_type", "status", "affected_files", "code_diff_path", "test_results",
        "reviewer_notes", "deployment_impact", "lines_added", "lines_removed", "complexity_score", "completed_at"},
    "memory_sub_agents": {
        "agent_id", "agent_name", "agent_type", "mission", "capabilities", "constraints", "status", "current_task",
        "tasks_completed", "tasks_failed", "success_rate", "trust_score", "parent_agent_id"},
    "memory_verification_suites": {
        "suite_name", "suite_type", "component_under_test", "test_cases", "passed_tests", "failed_tests",
        "skipped_tests", "code_coverage_percent", "last_run_status", "linked_fixes", "auto_run"},
    "memory_governance_decisions": {
        "decision_type", "subject", "context", "policy_references", "risk_level", "decision_maker",
        "decision_outcome", "reasoning", "conditions", "expiration_date", "audit_stamp", "created_at"},
    "memory_trigger_mesh": {
        "trigger_name", "event_type", "publishers", "subscribers", "routing_rules", "enabled", "priority",
        "retry_policy", "total_triggers", "successful_triggers", "failed_triggers", "avg_execution_time_ms"},
    "memory_business_intelligence": {
        "dashboard_name", "category", "kpi_definitions", "data_sources", "refresh_cadence", "owner", "viewers",
        "last_refresh_at", "query_performance_ms", "trust_score", "data_freshness_hours"},
    "memory_discovery_targets": {
        "target_name", "target_type", "target_url", "discovery_priority", "scan_frequency", "last_scan_at",
        "next_scan_at", "items_discovered", "items_ingested", "error_count", "authentication", "filters",
        "metadata_mapping", "status"},
    "memory_compliance_reports": {
        "compliance_framework", "report_type", "compliance_status", "risk_level", "gaps_identified",
        "remediation_actions", "evidence_links", "certification_status", "certification_expiry"},
    "memory_sop_manuals": {
        "sop_id", "title", "category", "version", "status", "content_path", "procedures", "required_approvers",
        "approval_signatures", "next_review_date", "review_frequency_days", "compliance_frameworks",
        "training_required"},
    "memory_execution_logs": {
        "execution_id", "command_type", "component", "status", "started_at", "completed_at", "duration_ms",
        "exit_code", "stdout_path", "stderr_path", "error_message", "stack_trace", "resource_usage",
        "post_mortem_findings", "remediation_applied", "linked_playbook_id"},
    "memory_feedback_tickets": {
        "ticket_id", "ticket_type", "title", "description", "priority", "status", "reporter", "assigned_to",
        "affected_component", "resolution_steps", "root_cause", "knowledge_base_links", "linked_work_orders",
        "resolution_time_hours", "user_satisfaction"},
    "memory_llm_prompts": {
        "prompt_name", "category", "prompt_template", "parameters", "use_cases", "target_models",
        "performance_metrics", "total_uses", "successful_uses", "avg_tokens", "avg_latency_ms", "quality_score",
        "version", "is_public"},
}


def test_every_table_of_document_004_has_the_documents_fields():
    schemas = load_schemas()
    assert len(DOCUMENT_004) == 18
    for table, fields in DOCUMENT_004.items():
        assert table in schemas, table
        assert fields <= {field.name for field in schemas[table].fields}, table


def test_a_suite_fills_at_least_twelve_of_the_eighteen_tables(tmp_path):
    db_path = tmp_path / "m.sqlite"
    code = main(["suite", str(ROOT / "scenarios/suites/smoke.yaml"), "--db", str(db_path),
                 "--out", str(tmp_path / "runs")])
    assert code == 0
    with MemoryDB(db_path) as db:
        filled = {table for table in DOCUMENT_004 if not db.query(table).empty}
        runs = len(db.query("runs"))
    assert len(filled) >= 12, sorted(set(DOCUMENT_004) - filled)
    assert {"memory_documents", "memory_compliance_reports", "memory_business_intelligence"} <= filled
    with MemoryDB(db_path) as db:
        for table in ("memory_documents", "memory_compliance_reports", "memory_business_intelligence"):
            assert len(db.query(table)) == runs  # one row per run


@pytest.fixture(scope="module")
def mmc_run() -> tuple[RunResult, chaosbench.Scenario]:
    scenario = chaosbench.load_scenario(ROOT / "scenarios/baseline/mmc.yaml")
    return chaosbench.run(scenario, seed=3), scenario


def test_a_repeated_finding_counts_again_on_its_open_ticket(tmp_path, mmc_run):
    result, scenario = mmc_run
    flagged = RunResult(result.journal.model_copy(update={"findings": ["recovery slower than the last run"]}),
                        result.tables)
    with MemoryDB(tmp_path / "m.sqlite") as db:
        record_run(db, flagged, scenario, when="2026-01-01T00:00:00")
        record_run(db, flagged, scenario, when="2026-01-02T00:00:00")
        tickets = db.query("memory_feedback_tickets")
    assert len(tickets) == 1
    ticket = tickets.iloc[0]
    assert (ticket["title"], ticket["status"], ticket["occurrences"]) == (
        "recovery slower than the last run", "open", 2)
    assert ticket["affected_component"] == result.journal.scenario


def test_workers_accumulate_their_tasks_over_runs_as_sub_agents(tmp_path, mmc_run):
    result, scenario = mmc_run
    tasks = result.tasks
    with MemoryDB(tmp_path / "m.sqlite") as db:
        record_run(db, result, scenario, when="2026-01-01T00:00:00")
        record_run(db, result, scenario, when="2026-01-02T00:00:00")
        agents = db.query("memory_sub_agents")
    served = tasks[tasks["worker"] >= 0]
    assert len(agents) == served["worker"].nunique()
    assert set(agents["total_runs"]) == {2}
    assert agents["tasks_completed"].sum() == 2 * (served["outcome"] == "completed").sum()
    assert set(agents["agent_type"]) == {"worker"}  # mmc adds no worker during the run


def test_each_workflow_and_playbook_that_ran_becomes_one_sop_whose_version_holds_while_its_steps_do(tmp_path):
    scenario = chaosbench.load_scenario(ROOT / "scenarios/dirt/repeated_kernel_crashes.yaml")
    result = chaosbench.run(scenario, seed=1)
    with MemoryDB(tmp_path / "m.sqlite") as db:
        record_run(db, result, scenario, when="2026-01-01T00:00:00")
        record_run(db, result, scenario, when="2026-01-02T00:00:00")
        sops = db.query("memory_sop_manuals")
    ran = {f"workflow:{name}": count for name, count in result.workflows.groupby("workflow").size().items()}
    ran.update({f"playbook:{name}": count for name, count in result.immune.groupby("playbook").size().items()})
    assert any(sop.startswith("workflow:") for sop in ran) and any(sop.startswith("playbook:") for sop in ran)
    assert dict(zip(sops["sop_id"], sops["times_executed"], strict=True)) == {
        sop: 2 * count for sop, count in ran.items()}
    assert set(sops["version"]) == {1}
    assert all(sops["procedures"].map(len) > 0)


def test_hunter_kernel_calls_add_up_as_scans_of_its_discovery_target(tmp_path, mmc_run):
    result, scenario = mmc_run
    counts = result.journal.counts.model_copy(update={"counters": {
        **result.journal.counts.counters, "kernel.hunter.calls": 10, "kernel.hunter.failures": 2}})
    scanned = RunResult(result.journal.model_copy(update={"counts": counts}), result.tables)
    with MemoryDB(tmp_path / "m.sqlite") as db:
        record_run(db, scanned, scenario, when="2026-01-01T00:00:00")
        record_run(db, scanned, scenario, when="2026-01-02T00:00:00")
        target = db.get("memory_discovery_targets", "hunter")
    assert target is not None
    assert (target["total_scans"], target["items_discovered"], target["error_count"]) == (20, 16, 4)
    assert target["status"] == "error" and target["last_scan_at"] == "2026-01-02T00:00:00"


def test_a_broken_invariant_makes_the_run_non_compliant_and_opens_a_critical_ticket(tmp_path, mmc_run):
    result, scenario = mmc_run
    invariants = {**result.journal.invariants,
                  "task_conservation": InvariantResult(held=False, detail="3 tasks unaccounted for")}
    broken = RunResult(result.journal.model_copy(update={"invariants": invariants, "passed": False}),
                       result.tables)
    with MemoryDB(tmp_path / "m.sqlite") as db:
        record_run(db, broken, scenario, when="2026-01-01T00:00:00")
        report = db.query("memory_compliance_reports").iloc[0]
        tickets = db.query("memory_feedback_tickets")
    assert (report["compliance_status"], report["risk_level"]) == ("non_compliant", "critical")
    assert report["gaps_identified"] == [{"control": "task_conservation", "detail": "3 tasks unaccounted for"}]
    assert list(tickets["title"]) == ["invariant task_conservation broken"]
    assert list(tickets["priority"]) == ["critical"]
