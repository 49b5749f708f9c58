"""Recording what a run knows in the memory tables of knowledge: documents, datasets, code bases and insights.

Each function adds one run's rows inside the transaction of
:func:`sim.difficulty.recording.record_run`: the journal as a document, each
of the run's tables as a dataset, the versions it ran on as a code base, and
the learning loop's outcomes as insights.
"""
from __future__ import annotations

import json
from pathlib import Path

from chaosbench.sim.difficulty.memory import MemoryDB
from chaosbench.sim.run.layout import JOURNAL, TABLE_SUFFIX
from chaosbench.sim.run.record import RunResult


def record_journal_document(db: MemoryDB, result: RunResult, run_id: int, when: str,
                            run_dir: Path | None) -> None:
    """The run's journal as one document, its verdict as the summary and the scenario's tags as topics."""
    journal = result.journal
    verdict = "passed" if journal.passed else "failed"
    failed = ", ".join(probe.id for probe in journal.failed_probes)
    db.insert("memory_documents", {
        "run_id": run_id, "title": f"Journal of {journal.label}", "document_type": "run_journal",
        "source_path": str(run_dir / JOURNAL) if run_dir is not None else None,
        "summary": f"{journal.label} {verdict}: {len(journal.probes)} probes"
                   + (f", failed: {failed}" if failed else ""),
        "key_topics": journal.tags, "author": "chaosbench", "content_hash": journal.trace_digest,
        "size_bytes": len(json.dumps(journal.to_json())), "language": "json", "tags": journal.tags,
        "status": verdict, "created_at": when,
    })


def record_datasets(db: MemoryDB, result: RunResult, run_id: int, when: str, run_dir: Path | None) -> None:
    """One dataset per table the run recorded, with its size, columns and how it was aggregated."""
    for name, table in sorted(result.tables.items()):
        db.insert("memory_datasets", {
            "run_id": run_id, "dataset_name": name, "format": "parquet",
            "source_path": str(run_dir / f"{name}{TABLE_SUFFIX}") if run_dir is not None else None,
            "row_count": len(table), "column_count": len(table.columns),
            "columns": [str(column) for column in table.columns],
            "aggregation": result.journal.aggregated.get(name), "origin": result.journal.label,
            "created_at": when,
        })


def record_codebase(db: MemoryDB, result: RunResult, when: str) -> None:
    """The chaosbench version the run used, with its libraries as dependencies and the kernels it called."""
    journal = result.journal
    version = journal.versions.get("chaosbench", "unknown")
    name = f"chaosbench {version}"
    previous = db.get("memory_codebases", name)
    kernels = {key.split(".")[1] for key, calls in journal.counts.counters.items()
               if key.startswith("kernel.") and key.endswith(".calls") and calls}
    db.upsert("memory_codebases", {
        "codebase_name": name, "language": "python", "version": version,
        "dependencies": {package: found for package, found in journal.versions.items() if package != "chaosbench"},
        "components": sorted(kernels | set((previous or {}).get("components") or [])),
        "total_runs": (int(previous["total_runs"]) if previous else 0) + 1,
        "first_seen_at": previous["first_seen_at"] if previous else when, "last_analyzed_at": when,
        "status": "active",
    })


def record_insights(db: MemoryDB, result: RunResult, run_id: int, when: str) -> None:
    """One insight per incident signature the learning loop saw: the workflow that resolved it most often."""
    learning = result.table("learning")
    if learning is None or learning.empty:
        return
    for signature, rows in learning.groupby("signature", sort=True):
        by_workflow = rows.groupby("workflow", sort=True)["resolved"].agg(["sum", "count"])
        best = str(by_workflow["sum"].idxmax())
        resolved, seen = int(by_workflow.loc[best, "sum"]), int(by_workflow.loc[best, "count"])
        db.insert("memory_insights", {
            "run_id": run_id, "insight_type": "recommendation", "title": f"{best} resolves {signature}",
            "content": f"{best} resolved {resolved} of {seen} {signature} incidents in {result.journal.label}",
            "source_tables": ["learning"],
            "evidence": {"resolved": resolved, "seen": seen,
                         "mean_duration_s": float(rows[rows["workflow"] == best]["duration"].mean())},
            "confidence": resolved / seen, "model": "learning_loop", "tags": result.journal.tags,
            "created_at": when,
        })
