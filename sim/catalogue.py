"""Names the testbench knows: the fault catalogue and the safeguards of the stack.

The loader checks scenario files against these names (and suggests the
closest one for a typo); injectors and counters use the same names.
"""
from __future__ import annotations

#: Every fault of DESIGN §2–§5, with the parameters each one takes.
FAULTS: dict[str, tuple[str, ...]] = {
    "queue_flood": ("count", "over", "invalid_fraction", "priority_mix"),
    "trigger_storm": ("rate", "for", "event_types"),
    "worker_dropout": ("fraction", "count", "restart_after"),
    "scheduler_pause": ("for",),
    "policy_cascade": ("depth",),
    "kernel_crash": ("kernel", "for"),
    "latency_spike": ("kernel", "factor", "for"),
    "resource_siege": ("cpu", "memory", "for"),
    "acl_flood": ("rate", "for"),
    "message_loss": ("probability", "for"),
    "message_duplication": ("probability", "for"),
    "message_reorder": ("probability", "for"),
    "approval_outage": ("for",),
    "heartbeat_loss": ("kernel", "for"),
}

#: Safeguards whose firings are counted as ``safeguard.<name>``.
SAFEGUARDS: tuple[str, ...] = (
    "rate_limiter",
    "dedup",
    "load_shedder",
    "throttle",
    "relief_agent",
    "cascade_breaker",
    "watchdog_restart",
    "worker_reassignment",
    "retry",
    "dead_letter",
    "approval_gate",
    "governance_deny",
    "sla_escalation",
    "preemption",
)
