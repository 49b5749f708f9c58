"""The stack configuration: one validated model whose defaults are the design's numbers.

Every safeguard has its own ``enabled`` switch. Left unset it follows the
master switch ``safeguards``, so ``safeguards: off`` turns all of them off at
once while a single one can still be turned back on explicitly. Each section
is defined in the module of the component it configures.
"""
from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from chaosbench.orchestration.core.memory import MemoryConfig
from chaosbench.orchestration.core.sections import Safeguard, Section, active

# The component sections subclass Section or Safeguard, so they can only be
# imported once both are bound here (the package imports this module first,
# which keeps any import order working).
from chaosbench.orchestration.governance.approval import ApprovalConfig
from chaosbench.orchestration.governance.gate import GovernanceConfig, MeshGuardConfig
from chaosbench.orchestration.governance.intents import IntentConfig
from chaosbench.orchestration.governance.operator import OperatorConfig
from chaosbench.orchestration.governance.trust import TrustConfig
from chaosbench.orchestration.mesh.bus import BusConfig
from chaosbench.orchestration.mesh.engine import EngineConfig
from chaosbench.orchestration.mesh.kernels import KernelsConfig
from chaosbench.orchestration.mesh.registry import WorkflowsConfig
from chaosbench.orchestration.mesh.router import RouterConfig
from chaosbench.orchestration.policy.kernel import PolicyConfig
from chaosbench.orchestration.resilience.boot import BootConfig
from chaosbench.orchestration.resilience.heartbeat import HeartbeatConfig
from chaosbench.orchestration.resilience.immune import ImmuneConfig
from chaosbench.orchestration.resilience.learning import LearningConfig
from chaosbench.orchestration.resilience.monitors import KpiConfig, TestQualityConfig
from chaosbench.orchestration.resilience.watchdog import WatchdogConfig
from chaosbench.orchestration.tasks.health import HealthConfig
from chaosbench.orchestration.tasks.manager_config import HTMConfig
from chaosbench.orchestration.tasks.workers import PoolConfig

__all__ = ["Section", "Safeguard", "StackConfig", "HTMConfig"]


def _switch(value: Any) -> Any:
    # YAML 1.1 reads a bare on/off as a boolean already; accept the words too.
    if isinstance(value, str) and value.lower() in ("on", "off"):
        return value.lower() == "on"
    return value


class StackConfig(Section):
    """Configuration of the whole stack."""

    safeguards: bool = Field(default=True, description="master switch of every safeguard: on or off")
    sample_interval: float = Field(default=1.0, gt=0, le=3600, description="seconds between timeseries samples")
    htm: HTMConfig = HTMConfig()
    pool: PoolConfig = PoolConfig()
    health: HealthConfig = HealthConfig()
    approval: ApprovalConfig = ApprovalConfig()
    operator: OperatorConfig = OperatorConfig()
    governance: GovernanceConfig = GovernanceConfig()
    trust: TrustConfig = TrustConfig()
    mesh_guard: MeshGuardConfig = MeshGuardConfig()
    intents: IntentConfig = IntentConfig()
    boot: BootConfig = BootConfig()
    watchdog: WatchdogConfig = WatchdogConfig()
    immune: ImmuneConfig = ImmuneConfig()
    learning: LearningConfig = LearningConfig()
    heartbeat: HeartbeatConfig = HeartbeatConfig()
    kpi: KpiConfig = KpiConfig()
    test_quality: TestQualityConfig = TestQualityConfig()
    memory: MemoryConfig = MemoryConfig()
    bus: BusConfig = BusConfig()
    router: RouterConfig = RouterConfig()
    engine: EngineConfig = EngineConfig()
    policy: PolicyConfig = PolicyConfig()
    kernels: KernelsConfig = KernelsConfig()
    workflows: WorkflowsConfig = WorkflowsConfig()

    _normalise_switch = field_validator("safeguards", mode="before")(_switch)

    def is_on(self, safeguard: Safeguard) -> bool:
        """Whether ``safeguard`` is active, resolving an unset switch to the master one."""
        return active(safeguard, self.safeguards)
