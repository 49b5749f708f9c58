"""What the ``workflows`` commands print with ``--json``: definition files listed, shown, checked and counted."""
from __future__ import annotations

from typing import Any, Literal, NotRequired

from typing_extensions import TypedDict

from chaosbench.cli.envelopes import Envelope


class RateLimit(TypedDict):
    max_events: int
    per_s: float


class WorkflowSummary(TypedDict):
    name: str
    event_type: str
    enabled: bool
    actions: list[str]
    parallel_groups: int
    rate_limit: RateLimit | None
    description: str


class ShownWorkflow(WorkflowSummary):
    definition: dict[str, Any]


class WorkflowsListEnvelope(Envelope):
    file: str
    configuration: dict[str, Any]
    workflows: list[WorkflowSummary]


class WorkflowsShowEnvelope(Envelope):
    workflow: ShownWorkflow


class CheckedDefinitionFile(TypedDict):
    file: str
    valid: bool
    kind: NotRequired[Literal["workflows", "rules"]]
    workflows: NotRequired[int]
    rules: NotRequired[int]
    field: NotRequired[str]
    message: NotRequired[str]


class WorkflowsValidateEnvelope(Envelope):
    files: list[CheckedDefinitionFile]


class WorkflowsStatsEnvelope(Envelope):
    run_dir: str
    scenario: str
    stats: dict[str, Any]
