"""The stack configuration: one validated model whose defaults are the design's numbers.

Every safeguard has its own ``enabled`` switch. Left unset it follows the
master switch ``safeguards``, so ``safeguards: off`` turns all of them off at
once while a single one can still be turned back on explicitly. Each section
is defined in the module of the component it configures.
"""
from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from .approval import ApprovalConfig
from .boot import BootConfig
from .governance import GovernanceConfig, MeshGuardConfig
from .health import HealthConfig
from .htm import HTMConfig
from .intents import IntentConfig
from .operator import OperatorConfig
from .sections import Safeguard, Section, active
from .trust import TrustConfig
from .workers import PoolConfig

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

    _normalise_switch = field_validator("safeguards", mode="before")(_switch)

    def is_on(self, safeguard: Safeguard) -> bool:
        """Whether ``safeguard`` is active, resolving an unset switch to the master one."""
        return active(safeguard, self.safeguards)
