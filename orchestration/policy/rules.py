"""Event policy rules: their YAML shape, validation and compiled form.

A rule names the event types it watches (``*`` wildcards allowed), an
optional condition in the filter grammar, its actions, and the HTM priority
of the task it raises. ``batch`` holds matching events until ``size`` of
them arrived or ``window_ms`` passed since the first, then runs the batch's
``then`` actions once. ``emit`` publishes an extra event (templated from the
triggering payload), which is how rules come to trigger rules.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import Field, model_validator

from chaosbench.orchestration.core.errors import DefinitionError
from chaosbench.orchestration.core.yamlfile import load_yaml
from chaosbench.orchestration.mesh.event_schema import EventSchemas
from chaosbench.orchestration.mesh.filters import compile_filter
from chaosbench.orchestration.mesh.spec_base import Strict, validate_model
from chaosbench.orchestration.mesh.subscription import compile_pattern
from chaosbench.orchestration.mesh.templates import compile_template
from chaosbench.orchestration.mesh.workflow_spec import PublishDef

ACTIONS = (
    "alert_hunter",
    "self_heal",
    "spawn_agent",
    "escalate_to_human",
    "route_to_main_agent",
    "batch",
    "log_only",
)
ActionName = Literal[ACTIONS]  # type: ignore[valid-type]


class BatchDef(Strict):
    size: int = Field(ge=1)
    window_ms: float = Field(gt=0)
    then: list[ActionName] = Field(min_length=1)


class RuleDef(Strict):
    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    description: str = ""
    events: list[str] = Field(min_length=1)
    condition: Any = None
    actions: list[ActionName] = Field(min_length=1)
    priority: Literal["critical", "high", "normal", "low", "none"] = "none"
    batch: BatchDef | None = None
    spawn_count: int = Field(default=1, ge=1)
    emit: PublishDef | None = None

    @model_validator(mode="after")
    def _batch_present_when_used(self) -> RuleDef:
        if ("batch" in self.actions) != (self.batch is not None):
            raise ValueError("a rule with the 'batch' action needs a 'batch' block, and only such a rule")
        if self.batch is not None and "batch" in self.batch.then:
            raise ValueError("a batch cannot batch again")
        return self


class RulesDef(Strict):
    rules: list[dict[str, Any]] = Field(min_length=1)


class Rule(NamedTuple):
    """A compiled rule."""

    name: str
    description: str
    matches: Callable[[str], bool]
    condition: Callable[[Any], bool] | None
    actions: tuple[str, ...]
    priority: str
    batch: BatchDef | None
    spawn_count: int
    emit: tuple[str, Callable[[Any], Any]] | None
    patterns: tuple[str, ...]


def default_rules_path() -> Path:
    """The packaged file of the ten default rules."""
    return Path(str(resources.files("chaosbench.orchestration") / "policies" / "event_policy_rules.yaml"))


def load_rules(path: str | Path | None, schemas: EventSchemas, text: str | None = None) -> tuple[Rule, ...]:
    """Read, validate and compile a rules file (the packaged one by default)."""
    path = path or default_rules_path()
    data = load_yaml(path, text=text)
    try:
        return compile_rules(data, schemas)
    except DefinitionError as exc:
        raise exc.located(file=str(path)) from None


def compile_rules(data: Any, schemas: EventSchemas) -> tuple[Rule, ...]:
    """Validate and compile the parsed content of a rules file."""
    head = validate_model(RulesDef, data, "")
    rules = []
    seen: set[str] = set()
    for i, raw in enumerate(head.rules):
        path = f"rules[{i}]"
        spec: RuleDef = validate_model(RuleDef, raw, path)
        if spec.name in seen:
            raise DefinitionError(f"duplicate rule name {spec.name!r}", path=f"{path}.name")
        seen.add(spec.name)
        matchers = []
        for j, pattern in enumerate(spec.events):
            matcher = compile_pattern(pattern)
            if not any(matcher(t) for t in schemas.types):
                raise DefinitionError(
                    f"{pattern!r} matches no known event type; see the event schemas", path=f"{path}.events[{j}]"
                )
            matchers.append(matcher)
        condition = None
        if spec.condition is not None:
            try:
                condition = compile_filter(spec.condition, "")
            except DefinitionError as exc:
                raise DefinitionError(
                    exc.message, path=f"{path}.condition{'.' + exc.path if exc.path else ''}"
                ) from None
        emit = None
        if spec.emit is not None:
            if spec.emit.event_type not in schemas:
                raise DefinitionError(f"unknown event type {spec.emit.event_type!r}", path=f"{path}.emit.event_type")
            try:
                emit = (spec.emit.event_type, compile_template(spec.emit.payload))
            except DefinitionError as exc:
                raise DefinitionError(exc.message, path=f"{path}.emit.payload.{exc.path}") from None
        rules.append(
            Rule(
                spec.name,
                spec.description,
                _any(matchers),
                condition,
                tuple(spec.actions),
                spec.priority,
                spec.batch,
                spec.spawn_count,
                emit,
                tuple(spec.events),
            )
        )
    return tuple(rules)


def _any(matchers: list[Callable[[str], bool]]) -> Callable[[str], bool]:
    if len(matchers) == 1:
        return matchers[0]
    return lambda topic: any(m(topic) for m in matchers)
