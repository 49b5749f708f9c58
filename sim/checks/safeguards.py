"""The safeguards of the stack, by the names their firings are counted under.

The loader checks ``expect_safeguards`` against these names (and suggests
the closest one for a typo). The fault catalogue is :data:`sim.faults.FAULTS`.
"""
from __future__ import annotations

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

#: The prefix of the actors an ACL flood impersonates; probes recognise their requests by it.
INTRUDER = "intruder"
