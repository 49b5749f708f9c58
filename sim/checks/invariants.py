"""Safety invariants, checked in every run whatever the probes say.

Each check reads only what the run recorded and the stack's public state, and
returns ``(held, detail)``. A broken invariant fails the run.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from chaosbench.orchestration.core.runtime import Runtime
from chaosbench.orchestration.governance.intents import TIERS
from chaosbench.orchestration.stack import Stack
from chaosbench.sim.checks.rows import Rows, rows_of

TIER0_INTENTS = sorted(name for name, tier in TIERS.items() if tier == 0)

Check = Callable[[Runtime, Stack, Rows | pd.DataFrame], tuple[bool, str]]


def task_conservation(runtime: Runtime, stack: Stack, tasks: Rows | pd.DataFrame) -> tuple[bool, str]:
    """Every task the stack created appears exactly once in the tasks table."""
    tasks = rows_of(tasks)
    created = stack.tasks_created
    rows = len(tasks)
    duplicated = _duplicated(tasks.chunks(["task_id"]))
    missing = created - (rows - duplicated)
    held = duplicated == 0 and missing == 0
    return held, f"{created} created, {rows} recorded, {missing} missing, {duplicated} duplicated"


def _duplicated(chunks: Iterable[pd.DataFrame]) -> int:
    """Rows whose ``task_id`` an earlier row has; task ids count from 0, so one bit each marks them seen."""
    seen = np.zeros(0, dtype=np.uint8)
    duplicated = 0
    for chunk in chunks:
        ids = chunk["task_id"].to_numpy(dtype=np.int64)
        if not len(ids):
            continue
        if ids.min() < 0:
            raise ValueError("task ids are counted from 0")
        if int(ids.max()) >> 3 >= len(seen):
            grown = np.zeros(max((int(ids.max()) >> 3) + 1, 2 * len(seen)), dtype=np.uint8)
            grown[:len(seen)] = seen
            seen = grown
        repeated = pd.Index(ids).duplicated()
        first = ids[~repeated]
        bits = (np.uint8(1) << (first & 7).astype(np.uint8))
        duplicated += int(repeated.sum()) + int(np.count_nonzero(seen[first >> 3] & bits))
        np.bitwise_or.at(seen, first >> 3, bits)
    return duplicated


def audit_chain(runtime: Runtime, stack: Stack, tasks: Rows | pd.DataFrame) -> tuple[bool, str]:
    """The audit log's hash chain verifies from the first entry to the head."""
    broken = stack.audit.verify()
    if broken is None:
        return True, f"{len(stack.audit)} entries verified"
    return False, f"chain broken at entry {broken} of {len(stack.audit)}"


def cascade_depth(runtime: Runtime, stack: Stack, tasks: Rows | pd.DataFrame) -> tuple[bool, str]:
    """No chain of policy reactions went deeper than the cascade limit."""
    policy = stack.policy
    detail = f"deepest {policy.deepest} of at most {policy.max_depth}; {policy.cascades_broken} cascades stopped"
    return policy.deepest <= policy.max_depth, detail


def tier0_approval(runtime: Runtime, stack: Stack, tasks: Rows | pd.DataFrame) -> tuple[bool, str]:
    """No tier-0 intent started without the operator's approval."""
    tasks = rows_of(tasks)
    if not len(tasks):
        return True, "no tier-0 intent"
    tier0 = started = unapproved = 0
    for chunk in tasks.chunks(["kind", "started_at", "approval"]):
        chunk = chunk[chunk["kind"].isin(TIER0_INTENTS)]
        began = chunk[chunk["started_at"].notna()]
        tier0, started = tier0 + len(chunk), started + len(began)
        unapproved += int((began["approval"] != "approved").sum())
    detail = f"{tier0} tier-0 intents, {started} started, {unapproved} without approval"
    return unapproved == 0, detail


CHECKS: dict[str, Check] = {
    "task_conservation": task_conservation,
    "audit_chain": audit_chain,
    "tier0_approval": tier0_approval,
    "cascade_depth": cascade_depth,
}


def check_invariants(runtime: Runtime, stack: Stack, tasks: Rows | pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Run every check; ``{name: {"held": bool, "detail": str}}``."""
    results = {}
    for name, check in CHECKS.items():
        held, detail = check(runtime, stack, tasks)
        results[name] = {"held": bool(held), "detail": detail}
    return results
