"""The stack configuration: one validated model whose defaults are the design's numbers.

Every safeguard has its own ``enabled`` switch. Left unset it follows the
master switch ``safeguards``, so ``safeguards: off`` turns all of them off at
once while a single one can still be turned back on explicitly.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Section(BaseModel):
    """Base of every configuration section: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Safeguard(Section):
    """A section that can be switched on and off."""

    enabled: bool | None = Field(
        default=None, description="on, off, or unset to follow the stack's master switch"
    )


# The event side's sections live with their components and subclass Section or
# Safeguard, so they can only be imported once both are defined (the package
# imports this module first, which keeps any import order working).
from .bus import BusConfig  # noqa: E402
from .engine import EngineConfig  # noqa: E402
from .kernels import KernelsConfig  # noqa: E402
from .policy import PolicyConfig  # noqa: E402
from .registry import WorkflowsConfig  # noqa: E402
from .router import RouterConfig  # noqa: E402


class HTMConfig(Section):
    """The hierarchical task manager."""

    workers: int = Field(default=4, ge=1, le=10_000, description="worker pool size")


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
    bus: BusConfig = BusConfig()
    router: RouterConfig = RouterConfig()
    engine: EngineConfig = EngineConfig()
    policy: PolicyConfig = PolicyConfig()
    kernels: KernelsConfig = KernelsConfig()
    workflows: WorkflowsConfig = WorkflowsConfig()

    _normalise_switch = field_validator("safeguards", mode="before")(_switch)

    def is_on(self, safeguard: Safeguard) -> bool:
        """Whether ``safeguard`` is active, resolving an unset switch to the master one."""
        return self.safeguards if safeguard.enabled is None else safeguard.enabled
