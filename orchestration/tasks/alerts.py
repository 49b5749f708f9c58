"""SLA breach alerts: the task manager tells the stack when a task missed its deadline.

A breach is published as ``task.sla_breach`` (which the policy kernel's SLA
rule escalates to a human). Alerts are grouped per priority as an alert
manager groups them: the first breach of a priority is reported at once, and
breaches of that priority within the next ``interval`` seconds are only
counted, then carried by the next report as ``suppressed``. A flood that
breaches thousands of LOW tasks thus raises a handful of alerts, not
thousands of escalations.
"""
from __future__ import annotations

from pydantic import Field

from chaosbench.orchestration.core.sections import Safeguard
from chaosbench.orchestration.core.wiring import Announce, Wiring
from chaosbench.orchestration.tasks.model import Priority, Task


class BreachAlertConfig(Safeguard):
    """Grouping of SLA breach alerts."""

    interval: float = Field(default=30.0, ge=0, le=86_400, description="seconds during which later breaches of a "
                            "priority are grouped into the next alert")


class BreachAlerts:
    """Publishes SLA breaches through ``announce``, grouped per priority."""

    def __init__(self, wiring: Wiring, config: BreachAlertConfig, announce: Announce) -> None:
        self.env = wiring.env
        self._interval = config.interval
        self._announce = announce
        self._count = wiring.recorder.count
        self._last = [float("-inf")] * len(Priority)
        self._suppressed = [0] * len(Priority)

    def on_breach(self, task: Task) -> None:
        """Task-manager listener: report ``task``'s breach, or count it into the next report."""
        now = float(self.env.now)
        level = int(task.initial_priority)  # its SLA's class, whatever escalation made of it since
        if now - self._last[level] < self._interval:
            self._suppressed[level] += 1
            return
        self._last[level] = now
        suppressed, self._suppressed[level] = self._suppressed[level], 0
        self._count("htm.breach_alerts")
        self._announce("task.sla_breach", {
            "task_id": task.task_id, "priority": Priority(task.initial_priority).name,
            "late_by_s": max(0.0, now - task.deadline),
            "suppressed": suppressed,
        })
