"""One run as every ``--json`` output lists it (``suite``, ``loop``, ``report``): the same keys everywhere."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from chaosbench.sim.run.record import Journal

#: The journal keys each listed run shows (values as the journal has them: probes with numeric bounds).
SUMMARY_KEYS = ("scenario", "file", "level", "seed", "passed", "trace_digest", "reproduce", "probes", "invariants",
                "findings")


def run_summary(journal: Journal, run_dir: Path | str) -> dict[str, Any]:
    """The keys of :data:`SUMMARY_KEYS`, then ``verdict`` (by the canary rule), ``ok`` and ``run_dir``."""
    data = journal.to_json()
    return {key: data[key] for key in SUMMARY_KEYS} | {"verdict": str(journal.verdict), "ok": journal.ok,
                                                       "run_dir": str(run_dir)}
