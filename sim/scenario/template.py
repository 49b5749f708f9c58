"""A scenario to start from: ``chaosbench new NAME --fault KIND ...`` writes it, commented, ready to run.

The text is written line by line (YAML libraries drop comments): a task
workload at 60% of four workers, each fault asked for at its own minute with
example parameters, the workloads those faults act on (an event stream for the
trigger mesh, intents for governance), and probes that hold when the stack
copes. Every fault of the catalogue has example parameters here; a test runs
the template of each.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from chaosbench.sim.checks.safeguards import SAFEGUARDS
from chaosbench.sim.faults import FAULTS

#: Example parameters of each fault, as a scenario writes them.
EXAMPLES: dict[str, dict[str, Any]] = {
    "queue_flood": {"count": 600, "over": "30s", "priority_mix": {"normal": 0.7, "high": 0.3}},
    "trigger_storm": {"rate": "500/s", "for": "30s", "duplicates": 0.2},
    "worker_dropout": {"fraction": 0.5, "restart_after": "60s"},
    "scheduler_pause": {"for": "30s"},
    "policy_cascade": {"depth": 8},
    "kernel_crash": {"kernel": "hunter", "for": "45s"},
    "latency_spike": {"kernel": "hunter", "factor": 10, "for": "45s"},
    "resource_siege": {"cpu": 90, "memory": 80, "for": "60s"},
    "acl_flood": {"rate": "20/s", "for": "30s", "intent": "modify_config"},
    "message_loss": {"probability": 0.2, "for": "60s"},
    "message_duplication": {"probability": 0.3, "for": "60s"},
    "message_reorder": {"probability": 0.3, "for": "60s"},
    "approval_outage": {"for": "90s"},
    "heartbeat_loss": {"kernel": "hunter", "for": "45s"},
}
#: Faults that act on the trigger mesh: their scenario gets an event stream.
MESH_FAULTS = frozenset({"trigger_storm", "policy_cascade", "kernel_crash", "latency_spike", "message_loss",
                         "message_duplication", "message_reorder", "heartbeat_loss"})
#: Faults that act on governance: their scenario gets intents.
GOVERNANCE_FAULTS = frozenset({"acl_flood", "approval_outage"})


def scenario_text(name: str, faults: Sequence[str], schema: str | None = None) -> str:
    """The commented scenario ``name`` with ``faults`` (kinds of :data:`sim.faults.FAULTS`), one a minute from the
    second minute on; ``schema`` is the JSON Schema file named for editors on the first line."""
    unknown = [kind for kind in faults if kind not in EXAMPLES]
    if unknown:
        raise ValueError(f"unknown fault {unknown[0]!r}; expected one of {', '.join(EXAMPLES)}")
    lines = [f"# yaml-language-server: $schema={schema}"] if schema else []
    lines += [
        f"# {name}: written by `chaosbench new`; run it with `chaosbench run {name}.yaml`.",
        "# Every key is checked when the file is loaded: `chaosbench validate` names file, line, field and fix.",
        f"name: {name}",
        f"title: {_flow(name.replace('_', ' ').capitalize())}",
        "tags: [draft]",
        f"duration: {max(6, len(faults) + 5)}m",
        "warmup: 30s                  # tasks arriving earlier are left out of the probes",
        "settle: 2m                   # the stack must be back to normal this long after the last fault",
        "stack:                       # overrides of the stack's configuration; every safeguard is on",
        "  htm: {workers: 4}",
        "workload:",
        "  - tasks:                   # Poisson arrivals: 2.4/s on 4 workers of 1 s is 60% load",
        "      rate: 2.4/s",
        "      service: {exponential: 1s}",
        "      priority_mix: {critical: 0.1, high: 0.2, normal: 0.5, low: 0.2}",
    ]
    if MESH_FAULTS.intersection(faults):
        lines += ["  - events:                  # the trigger mesh's input: the faults on the mesh act on it",
                  "      rate: 20/s",
                  "      sources: 10",
                  "      types: {kpi.threshold_breach: 0.7, db.table_updated: 0.3}"]
    if GOVERNANCE_FAULTS.intersection(faults):
        lines += ["  - intents:                 # intents through the governance router, tier 0 waits for approval",
                  "      rate: 6/min",
                  "      mix: {modify_config: 0.5, query_knowledge: 0.4, modify_governance: 0.1}"]
    lines.append("faults:                      # {at: TIME, KIND: {parameters}}" if faults else
                 "faults: []                   # {at: TIME, KIND: {parameters}}; chaosbench new --fault KIND")
    for minute, kind in enumerate(faults, start=1):
        doc = (FAULTS[kind].__doc__ or "").strip().splitlines()[0]
        lines += [f"  # {kind}: {doc}", f"  - at: {minute}m", f"    {kind}: {_flow(EXAMPLES[kind])}"]
    lines += [
        "steady_state:                # probes: every one must hold for the run to pass",
        "  - sla_compliance: {priority: critical, min: 0.95}",
        "  - latency: {priority: critical, quantile: 0.99, max: 60s}",
    ]
    if faults:
        lines.append("  - recovery_time: {max: 5m}  # from the end of the last fault until the queue is back")
    lines += [
        "# expect_safeguards: [worker_reassignment]   # safeguards that must fire; the catalogue:",
        "#   " + ", ".join(SAFEGUARDS),
        "difficulty:                  # each level is harder; `chaosbench frontier` finds the highest that passes",
        "  scale: {workload.0.tasks.rate: 1.1}",
        "  max_level: 5",
    ]
    return "\n".join(lines) + "\n"


def _flow(value: Any) -> str:
    """``value`` as one line of YAML."""
    text: str = yaml.safe_dump(value, default_flow_style=True, width=1_000_000, sort_keys=False)
    return text.strip().removesuffix("...").strip()
