"""The task manager's configuration: pool size, attempts, default SLAs and each safeguard's section."""
from __future__ import annotations

from pydantic import Field

from chaosbench.orchestration.core.sections import Section
from chaosbench.orchestration.tasks.alerts import BreachAlertConfig
from chaosbench.orchestration.tasks.escalation import EscalationConfig
from chaosbench.orchestration.tasks.narratives import NarrativesConfig
from chaosbench.orchestration.tasks.preemption import PreemptionConfig
from chaosbench.orchestration.tasks.shedding import SheddingConfig
from chaosbench.orchestration.tasks.stacking import StackingConfig
from chaosbench.orchestration.tasks.throttling import ThrottleConfig


class HTMConfig(Section):
    """The hierarchical task manager."""

    workers: int = Field(default=10, ge=1, le=10_000, description="worker pool size (design document 003: 10)")
    max_attempts: int = Field(default=5, ge=1, description="starts before an interrupted task is dead-lettered")
    sla: tuple[float, float, float, float] = Field(
        default=(300.0, 1800.0, 14400.0, 86400.0),
        description="default SLA in seconds for critical, high, normal, low (design document 003: 5m, 30m, 4h, 24h)",
    )
    context_switch: float = Field(
        default=0.0, ge=0, le=86_400,
        description="seconds of work a worker adds to load a task's context (its pre-flight checks, design document "
                    "003) when its previous task came from another origin; context stacking batches tasks of one "
                    "origin to save it",
    )
    escalation: EscalationConfig = EscalationConfig()
    preemption: PreemptionConfig = PreemptionConfig()
    shedding: SheddingConfig = SheddingConfig()
    stacking: StackingConfig = StackingConfig()
    throttle: ThrottleConfig = ThrottleConfig()
    narratives: NarrativesConfig = NarrativesConfig()
    breach_alerts: BreachAlertConfig = BreachAlertConfig()
