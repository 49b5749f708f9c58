"""Configuration bases shared by every component's section.

They live apart from ``config`` so that a component module can define its own
section without importing the assembled configuration (which imports it).
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Section(BaseModel):
    """Base of every configuration section: unknown keys are errors."""

    # NaN and infinities are refused in every number: no setting of the stack means "not a number".
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Safeguard(Section):
    """A section that can be switched on and off."""

    enabled: bool | None = Field(
        default=None, description="on, off, or unset to follow the stack's master switch"
    )


def active(section: Safeguard, master: bool) -> bool:
    """Whether ``section`` is on, an unset switch following ``master``."""
    return master if section.enabled is None else section.enabled
