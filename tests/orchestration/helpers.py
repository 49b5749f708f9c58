"""Small builders shared by the orchestration tests."""
from __future__ import annotations

from typing import Any

from chaosbench.orchestration.config import StackConfig
from chaosbench.orchestration.stack import Stack
from chaosbench.sim.run.runtime import SimRuntime

#: A health section under which stress costs nothing: service keeps its nominal pace.
NO_CONTENTION = {"contention": {"slowdown": 0.0, "kernel_failure": 0.0, "oom_probability": 0.0}}


#: A kernel crash left to the immune kernel alone: no critical-error rule, crash-response workflow
#: or smoke tests heal it first.
IMMUNE_HEALS_ALONE = {"policy": {"disabled": ["critical_error"]}, "workflows": {"disabled": ["kernel_crash_response"]},
                      "test_quality": {"enabled": False}}


def build(overrides: dict[str, Any] | None = None, seed: int = 1, relief: bool = False) -> tuple[SimRuntime, Stack]:
    """A runtime and a stack configured from ``overrides`` (a StackConfig document).

    Relief agents are off unless ``relief`` is set, so that task timings are
    those of the configured pool; boot has no chunks unless configured, so the
    stack serves from time 0.
    """
    document = dict(overrides or {})
    document.setdefault("boot", {"chunks": []})
    if not relief:
        pool = dict(document.get("pool", {}))
        pool["relief"] = {**pool.get("relief", {}), "enabled": False}
        document["pool"] = pool
    runtime = SimRuntime(seed)
    return runtime, Stack(runtime, StackConfig.model_validate(document))


def rows(runtime: SimRuntime):
    """The tasks table indexed by task id."""
    return runtime.recorder.frame("tasks").set_index("task_id")


def at(runtime: SimRuntime, when: float, action) -> None:
    """Call ``action()`` at simulated time ``when``."""
    timer = runtime.env.timeout(when - runtime.env.now)
    timer.callbacks.append(lambda _e: action())
