"""Incident documents for the drill tests."""
from __future__ import annotations

from typing import Any

from chaosbench.sim.drills.model import Drill
from chaosbench.sim.drills.records import IncidentRecord
from chaosbench.sim.drills.runner import run_drill
from tests.conftest import ROOT

SHIPPED = ROOT / "scenarios" / "drills" / "every_incident.yaml"
#: The components of the stack that report incidents.
DETECTORS = {"immune_kernel", "heartbeat_monitor", "htm", "watchdog", "governance_gate", "trust_scorer", "kpi_monitor"}


def drill_document(incidents: list[dict[str, Any]], stack: dict[str, Any] | None = None, **fields: Any) -> dict:
    """A small drill under light load: four workers, 2 tasks/s, each incident bound to 30 s unless it says."""
    return {"name": "small_drill", "heal_within": "30s", "stack": {"htm": {"workers": 4}, **(stack or {})},
            "workload": [{"tasks": {"rate": "2/s", "service": {"exponential": "1s"}}}],
            "incidents": incidents, **fields}


def one_record(incident: dict[str, Any], stack: dict[str, Any] | None = None, seed: int = 1) -> IncidentRecord:
    """The record of ``incident`` injected at 60 s into a small drill."""
    drill = Drill.model_validate(drill_document([{"at": "60s", **incident}], stack))
    return run_drill(drill, seed=seed).records[0]
