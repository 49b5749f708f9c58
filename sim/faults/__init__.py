"""The fault catalogue: every fault the testbench can inject, by name.

Each fault acts only through the stack's public controls (see
:class:`orchestration.stack.Stack`) and records its window and observed
effect in the ``faults`` table.

May import ``sim.workloads``, ``sim.checks``, ``sim.spec`` and ``orchestration``.
"""
from __future__ import annotations

from typing import Any

from chaosbench.sim.faults.base import Fault, FaultParams, record, schedule
from chaosbench.sim.faults.governance import AclFlood
from chaosbench.sim.faults.kernels import HeartbeatLoss, KernelCrash, LatencySpike
from chaosbench.sim.faults.mesh import MessageDuplication, MessageLoss, MessageReorder, PolicyCascade, TriggerStorm
from chaosbench.sim.faults.work import ApprovalOutage, QueueFlood, ResourceSiege, SchedulerPause, WorkerDropout

FAULTS: dict[str, type[Fault[Any]]] = {
    fault.kind: fault
    for fault in (
        QueueFlood, TriggerStorm, WorkerDropout, SchedulerPause, PolicyCascade, KernelCrash, LatencySpike,
        ResourceSiege, AclFlood, MessageLoss, MessageDuplication, MessageReorder, ApprovalOutage, HeartbeatLoss,
    )
}

__all__ = ["FAULTS", "Fault", "FaultParams", "record", "schedule"]
