"""Safety invariants, checked in every run whatever the probes say.

Each check reads only what the run recorded and the stack's public state, and
returns ``(held, detail)``. A broken invariant fails the run.
"""
from __future__ import annotations

from typing import Callable

import pandas as pd

from orchestration.stack import Stack

from .runtime import SimRuntime

Check = Callable[[SimRuntime, Stack, pd.DataFrame], tuple[bool, str]]


def task_conservation(runtime: SimRuntime, stack: Stack, tasks: pd.DataFrame) -> tuple[bool, str]:
    """Every task the stack created appears exactly once in the tasks table."""
    created = stack.tasks_created
    rows = len(tasks)
    duplicated = int(tasks["task_id"].duplicated().sum()) if rows else 0
    missing = created - (rows - duplicated)
    held = duplicated == 0 and missing == 0
    return held, f"{created} created, {rows} recorded, {missing} missing, {duplicated} duplicated"


CHECKS: dict[str, Check] = {
    "task_conservation": task_conservation,
}


def check_invariants(runtime: SimRuntime, stack: Stack, tasks: pd.DataFrame) -> dict[str, dict]:
    """Run every check; ``{name: {"held": bool, "detail": str}}``."""
    results = {}
    for name, check in CHECKS.items():
        held, detail = check(runtime, stack, tasks)
        results[name] = {"held": bool(held), "detail": detail}
    return results
