"""Workflow definitions: the YAML shape, its validation and the compiled form.

A workflow file has a ``configuration`` block (max_parallel_workflows,
default_timeout_ms, retry_policy, rate_limiting) and a list of
``workflows``. Each workflow has a trigger (an event type and optional
filters), a list of steps -- an action, or ``parallel:`` with several
actions run together -- and optional events to publish on success or
failure. Validation checks the structure, every event type against the
event schemas, every target against the kernels' actions, every template and
filter against their grammars; errors name the file and the field path.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import Field, field_validator, model_validator

from chaosbench.orchestration.core.errors import DefinitionError
from chaosbench.orchestration.core.yamlfile import load_yaml
from chaosbench.orchestration.mesh.event_schema import EventSchemas
from chaosbench.orchestration.mesh.events import Event
from chaosbench.orchestration.mesh.filters import compile_filter
from chaosbench.orchestration.mesh.kernels import KERNEL_ACTIONS
from chaosbench.orchestration.mesh.spec_base import Strict, join_path, validate_model
from chaosbench.orchestration.mesh.templates import compile_template


class RetryPolicy(Strict):
    """Total attempts and the waits between them: exponential, or the explicit ``backoff_ms`` list.

    With ``backoff_ms`` the wait after failed attempt ``n`` is its ``n``-th
    entry (the last one repeated); otherwise it is ``initial_interval_ms ×
    backoff_coefficient^(n-1)``, capped at ``max_interval_ms``.
    """

    max_attempts: int = Field(default=4, ge=1, le=100, description="total attempts, the first included")
    initial_interval_ms: float = Field(default=1000.0, ge=0, le=86_400_000, description="at most a day")
    backoff_coefficient: float = Field(default=2.0, ge=1.0, le=100.0)
    max_interval_ms: float = Field(default=5000.0, ge=0, le=86_400_000, description="at most a day")
    backoff_ms: list[float] | None = Field(default=None, min_length=1, max_length=100,
                                           description="explicit waits after each failed attempt")

    @field_validator("backoff_ms")
    @classmethod
    def _waits_in_range(cls, waits: list[float] | None) -> list[float] | None:
        if waits is not None and not all(0 <= wait <= 86_400_000 for wait in waits):
            raise ValueError("each wait must be between 0 and a day (86400000 ms)")
        return waits

    @model_validator(mode="after")
    def _cap_not_below_initial(self) -> RetryPolicy:
        if self.max_interval_ms < self.initial_interval_ms:
            raise ValueError("max_interval_ms must be at least initial_interval_ms")
        return self


class RateLimiting(Strict):
    enabled: bool = True
    max_events_per_minute: int = Field(default=100, ge=1)


class Configuration(Strict):
    max_parallel_workflows: int = Field(default=10, ge=1)
    default_timeout_ms: float = Field(default=10_000.0, gt=0)
    retry_policy: RetryPolicy = RetryPolicy()
    rate_limiting: RateLimiting = RateLimiting()


class ActionDef(Strict):
    name: str | None = None
    target: str = Field(description="kernel.action")
    parameters: dict[str, Any] = {}
    timeout_ms: float | None = Field(default=None, gt=0)
    retry_policy: RetryPolicy | None = None


class TriggerDef(Strict):
    event_type: str
    filters: Any = None


class PublishDef(Strict):
    event_type: str
    payload: dict[str, Any] = {}


class RateLimitDef(Strict):
    max_events: int = Field(ge=1)
    per_ms: float = Field(default=60_000.0, gt=0)


class WorkflowDef(Strict):
    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    description: str = ""
    enabled: bool = True
    trigger: TriggerDef
    actions: list[dict[str, Any]] = Field(min_length=1)
    on_success: PublishDef | None = None
    on_failure: PublishDef | None = None
    rate_limit: RateLimitDef | None = None


class FileDef(Strict):
    version: int = 1
    configuration: Configuration = Configuration()
    workflows: list[dict[str, Any]] = Field(default_factory=list)


# -- compiled form ------------------------------------------------------


class Retry(NamedTuple):
    """A retry policy in seconds."""

    max_attempts: int
    initial: float
    coefficient: float
    max_interval: float
    schedule: tuple[float, ...] = ()

    def delay(self, attempt: int) -> float:
        """Wait after failed attempt number ``attempt`` (1-based), as :class:`RetryPolicy` says."""
        if self.schedule:
            return self.schedule[min(attempt, len(self.schedule)) - 1]
        return min(self.initial * self.coefficient ** (attempt - 1), self.max_interval)

    @classmethod
    def of(cls, policy: RetryPolicy) -> Retry:
        return cls(
            policy.max_attempts,
            policy.initial_interval_ms / 1000.0,
            policy.backoff_coefficient,
            policy.max_interval_ms / 1000.0,
            tuple(wait / 1000.0 for wait in policy.backoff_ms or ()),
        )


class Action:
    """One kernel call of a workflow, ready to run."""

    __slots__ = ("name", "kernel", "action", "render", "timeout", "retry")

    def __init__(
        self, name: str, kernel: str, action: str, render: Callable[[Event], Any], timeout: float, retry: Retry
    ) -> None:
        self.name = name
        self.kernel = kernel
        self.action = action
        self.render = render
        self.timeout = timeout
        self.retry = retry


class Workflow:
    """A validated workflow, compiled for the router and the engine."""

    __slots__ = (
        "name",
        "description",
        "enabled",
        "event_type",
        "predicate",
        "steps",
        "on_success",
        "on_failure",
        "rate_limit",
        "definition",
    )
    name: str
    description: str
    enabled: bool
    event_type: str
    predicate: Callable[[Event], bool] | None
    steps: tuple[tuple[Action, ...], ...]
    on_success: tuple[str, Callable[[Event], Any]] | None
    on_failure: tuple[str, Callable[[Event], Any]] | None
    rate_limit: tuple[int, float] | None
    definition: Any

    def __init__(self, **fields: Any) -> None:
        for key, value in fields.items():
            setattr(self, key, value)

    def __repr__(self) -> str:
        return f"Workflow({self.name!r} on {self.event_type!r})"


class WorkflowSet(NamedTuple):
    """A whole workflow file, validated and compiled."""

    source: str
    configuration: Configuration
    workflows: tuple[Workflow, ...]


def load_workflow_file(path: str | Path, schemas: EventSchemas, text: str | None = None) -> WorkflowSet:
    """Read, validate and compile a workflow file; errors name the file and field."""
    data = load_yaml(path, text=text)
    try:
        return compile_workflows(data, schemas, source=str(path))
    except DefinitionError as exc:
        raise exc.located(file=str(path)) from None


def compile_workflows(data: Any, schemas: EventSchemas, source: str = "<workflows>") -> WorkflowSet:
    """Validate and compile the parsed content of a workflow file."""
    if not isinstance(data, dict):
        raise DefinitionError("expected a mapping with 'configuration' and 'workflows'")
    head = validate_model(FileDef, data, "")
    config = head.configuration
    workflows = []
    seen: set[str] = set()
    for i, raw in enumerate(head.workflows):
        workflow = _compile_workflow(raw, config, schemas, f"workflows[{i}]")
        if workflow.name in seen:
            raise DefinitionError(f"duplicate workflow name {workflow.name!r}", path=f"workflows[{i}].name")
        seen.add(workflow.name)
        workflows.append(workflow)
    return WorkflowSet(source, config, tuple(workflows))


def _compile_workflow(raw: Any, config: Configuration, schemas: EventSchemas, path: str) -> Workflow:
    spec: WorkflowDef = validate_model(WorkflowDef, raw, path)
    event_type = spec.trigger.event_type
    if event_type not in schemas:
        raise DefinitionError(
            f"unknown event type {event_type!r}; see the event schemas", path=f"{path}.trigger.event_type"
        )
    predicate = None
    if spec.trigger.filters is not None:
        predicate = _located(compile_filter, spec.trigger.filters, f"{path}.trigger.filters")
    steps = []
    for j, step in enumerate(spec.actions):
        where = f"{path}.actions[{j}]"
        if isinstance(step, dict) and "parallel" in step:
            if set(step) != {"parallel"}:
                raise DefinitionError("a parallel group holds only 'parallel: [actions]'", path=where)
            group = step["parallel"]
            if not isinstance(group, list) or len(group) < 2:
                raise DefinitionError("'parallel' expects a list of at least two actions", path=f"{where}.parallel")
            steps.append(
                tuple(_action(a, config, f"{where}.parallel[{k}]", f"{spec.name}.{j}.{k}") for k, a in enumerate(group))
            )
        else:
            steps.append((_action(step, config, where, f"{spec.name}.{j}"),))
    return Workflow(
        name=spec.name,
        description=spec.description,
        enabled=spec.enabled,
        event_type=event_type,
        predicate=predicate,
        steps=tuple(steps),
        on_success=_publish(spec.on_success, schemas, f"{path}.on_success"),
        on_failure=_publish(spec.on_failure, schemas, f"{path}.on_failure"),
        rate_limit=_rate_limit(spec, config),
        definition=raw,
    )


def _action(raw: Any, config: Configuration, path: str, default_name: str) -> Action:
    spec: ActionDef = validate_model(ActionDef, raw, path)
    kernel, _, action = spec.target.partition(".")
    if kernel not in KERNEL_ACTIONS:
        raise DefinitionError(
            f"unknown kernel {kernel!r}; expected one of {', '.join(KERNEL_ACTIONS)}", path=f"{path}.target"
        )
    if action not in KERNEL_ACTIONS[kernel]:
        raise DefinitionError(
            f"kernel {kernel!r} has no action {action!r}; expected one of {', '.join(KERNEL_ACTIONS[kernel])}",
            path=f"{path}.target",
        )
    render = _located(compile_template, spec.parameters, f"{path}.parameters")
    timeout = (spec.timeout_ms or config.default_timeout_ms) / 1000.0
    retry = Retry.of(spec.retry_policy or config.retry_policy)
    return Action(spec.name or default_name, kernel, action, render, timeout, retry)


def _publish(spec: PublishDef | None, schemas: EventSchemas, path: str) -> tuple[str, Callable[[Event], Any]] | None:
    if spec is None:
        return None
    if spec.event_type not in schemas:
        raise DefinitionError(
            f"unknown event type {spec.event_type!r}; see the event schemas", path=f"{path}.event_type"
        )
    return spec.event_type, _located(compile_template, spec.payload, f"{path}.payload")


def _rate_limit(spec: WorkflowDef, config: Configuration) -> tuple[int, float] | None:
    if spec.rate_limit is not None:
        return spec.rate_limit.max_events, spec.rate_limit.per_ms / 1000.0
    if config.rate_limiting.enabled:
        return config.rate_limiting.max_events_per_minute, 60.0
    return None


def _located(compiler: Callable[..., Any], value: Any, path: str) -> Any:
    try:
        return compiler(value)
    except DefinitionError as exc:
        raise DefinitionError(exc.message, path=join_path(path, exc.path)) from None
