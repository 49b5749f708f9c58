"""The event policy kernel: a thin rule engine on the bus.

Every delivered event is tried against the rules in order (those of the
rules file, then the configuration's ``extra_rules``); the first rule
whose event patterns and condition match fires: it runs its actions (alert
the hunter, self-heal, spawn an agent, escalate to a human, route to the
main agent, batch, log only), raises an HTM task at the rule's priority, and
records a 5W1H narrative. Actions publish follow-up events one level deeper
than their cause, so rules can trigger rules. The cascade breaker refuses to
fire on an event already ``max_depth`` levels deep and records the cascade it
stopped; with the breaker off such cascades run on (and are counted).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import simpy
from pydantic import Field

from chaosbench.orchestration.core.errors import DefinitionError
from chaosbench.orchestration.core.sections import Safeguard, Section
from chaosbench.orchestration.core.wiring import Wiring
from chaosbench.orchestration.mesh.bus import EventBus
from chaosbench.orchestration.mesh.event_schema import EventSchemas
from chaosbench.orchestration.mesh.events import Event
from chaosbench.orchestration.mesh.kernels import Kernels
from chaosbench.orchestration.mesh.publisher import Publisher
from chaosbench.orchestration.policy.rules import Rule, compile_rules, load_rules
from chaosbench.orchestration.tasks.model import Priority

CASCADE_COLUMNS = ("time", "rule", "event_type", "event_source", "event_id", "depth")
SOURCE = "event_policy_kernel"
TaskSink = Callable[[str, Priority, float, float, str, Any], Any]

# What each action calls and publishes: (kernel, kernel action, event type).
_EFFECTS: dict[str, tuple[str | None, str | None, str | None]] = {
    "alert_hunter": ("hunter", "analyze", "agent.hunter_alerted"),
    "self_heal": ("self_heal", "run_playbook", "healing.action_taken"),
    "spawn_agent": (None, None, "agent.spawn_requested"),
    "escalate_to_human": ("governance", "escalate", "governance.escalation_requested"),
    "route_to_main_agent": ("unified_logic", "route", "agent.main_routed"),
    "log_only": (None, None, None),
}


class CascadeBreakerConfig(Safeguard):
    """Stop rules from firing on events already ``max_depth`` reactions deep."""

    max_depth: int = Field(default=5, ge=1, le=1000, description="longest chain of rule reactions allowed")


class TaskSLA(Section):
    """SLA of a task raised by a rule, per priority (seconds)."""

    critical: float = Field(default=300.0, gt=0)
    high: float = Field(default=1800.0, gt=0)
    normal: float = Field(default=14_400.0, gt=0)
    low: float = Field(default=86_400.0, gt=0)


class PolicyConfig(Section):
    """Rules, cascade breaker and the tasks the event policy kernel raises."""

    rules_file: str | None = Field(default=None, description="rules YAML; unset is the ten default rules")
    extra_rules: tuple[dict[str, Any], ...] = Field(
        default=(), description="rules tried after those of the rules file, each written as in a rules file")
    disabled: tuple[str, ...] = Field(default=(), description="rules switched off by name")
    cascade_breaker: CascadeBreakerConfig = CascadeBreakerConfig()
    task_work: float = Field(default=1.0, gt=0, description="seconds of work of a task raised by a rule")
    task_sla: TaskSLA = TaskSLA()


class EventPolicyKernel:
    """First-match rule engine with actions, batching and a cascade breaker."""

    def __init__(
        self,
        wiring: Wiring,
        bus: EventBus,
        kernels: Kernels,
        schemas: EventSchemas,
        config: PolicyConfig | None = None,
        *,
        cascade_breaker: bool = True,
        raise_task: TaskSink | None = None,
        rules: tuple[Rule, ...] | None = None,
    ) -> None:
        config = config or PolicyConfig()
        self.env = wiring.env
        self._emit = wiring.trace.emit
        self._count = wiring.recorder.count
        self._cascades = wiring.recorder.table("cascades", CASCADE_COLUMNS)
        self.bus = bus
        self.kernels = kernels
        self.schemas = schemas
        self.audit = wiring.audit
        self.config = config
        self.raise_task = raise_task
        self._breaker = cascade_breaker
        self.max_depth = config.cascade_breaker.max_depth
        self.rules = _without(rules if rules is not None else self._with_extra(load_rules(config.rules_file, schemas)),
                              config.disabled)
        self._by_type: dict[str, tuple[Rule, ...]] = {}
        self._batches: dict[str, list[Event]] = {}
        self._batch_generation: dict[str, int] = {}
        self._out = Publisher(bus, wiring.env, SOURCE)
        self.evaluated = 0
        self.fired: dict[str, int] = {}
        self.cascades_broken = 0
        self.over_limit = 0
        self.deepest = 0
        self.batches = 0
        self.call_failures = 0

    # -- rules ----------------------------------------------------------

    def reload(self, path: str | Path, at: float | None = None, text: str | None = None) -> tuple[Rule, ...]:
        """Validate the rules file ``path`` and use it from now or from simulated time ``at``."""
        rules = self._with_extra(load_rules(path, self.schemas, text=text))
        if at is None or at <= self.env.now:
            self._use(rules)
        else:
            self.env.timeout(at - self.env.now, rules).callbacks.append(lambda event: self._use(event.value))
        return rules

    def _with_extra(self, rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
        """``rules`` followed by the configuration's extra rules, names unique across both."""
        extra = self.config.extra_rules
        if not extra:
            return rules
        try:
            added = compile_rules({"rules": list(extra)}, self.schemas)
        except DefinitionError as exc:
            raise DefinitionError(exc.message, path=f"policy.extra_{exc.path}") from None
        names = {rule.name for rule in rules}
        for i, rule in enumerate(added):
            if rule.name in names:
                raise DefinitionError(f"rule {rule.name!r} is already in the rules file",
                                      path=f"policy.extra_rules[{i}].name")
        return rules + added

    def _use(self, rules: tuple[Rule, ...]) -> None:
        self.rules = _without(rules, self.config.disabled)
        self._by_type.clear()
        self._emit(self.env.now, "policy.reload", len(rules))

    # -- evaluation -----------------------------------------------------

    def handle(self, event: Event) -> None:
        """Try the rules on one delivered event; fire the first that matches."""
        rules = self._by_type.get(event.type)
        if rules is None:
            rules = self._by_type[event.type] = tuple(r for r in self.rules if r.matches(event.type))
        if not rules:
            return
        self.evaluated += 1
        for rule in rules:
            if rule.condition is None or rule.condition(event):
                self._fire(rule, event)
                return

    def _fire(self, rule: Rule, event: Event) -> None:
        now = self.env.now
        depth = event.depth
        if depth >= self.max_depth:
            if self._breaker:
                self._break(rule, event, now)
                return
            self.over_limit += 1
            self._count("policy.cascade_over_limit")
        if depth + 1 > self.deepest:
            self.deepest = depth + 1
        self.fired[rule.name] = self.fired.get(rule.name, 0) + 1
        self._emit(now, "policy.fire", rule.name, event.source, event.id, depth)
        for action in rule.actions:
            if action == "batch":
                self._add_to_batch(rule, event)
            else:
                self._act(action, rule, event)
        if rule.batch is None:
            self._raise(rule, event)
        if rule.emit is not None:
            event_type, render = rule.emit
            self._out.publish(event_type, render(event), event)
        self.audit.record(
            who=SOURCE,
            what="+".join(rule.actions),
            where=f"htm.{rule.priority}" if rule.priority != "none" else "log",
            why=f"{event.type} from {event.source}/{event.id} matched rule {rule.name}",
            how="first_matching_rule",
            when=now,
        )

    def _raise(self, rule: Rule, event: Event) -> None:
        if rule.priority != "none" and self.raise_task is not None:
            sla = getattr(self.config.task_sla, rule.priority)
            self.raise_task(
                rule.name, Priority.parse(rule.priority), self.config.task_work, sla, event.source, event.payload
            )

    def _break(self, rule: Rule, event: Event, now: float) -> None:
        self.cascades_broken += 1
        self._count("safeguard.cascade_breaker")
        self._cascades.append(now, rule.name, event.type, event.source, str(event.id), event.depth)
        self._emit(now, "policy.cascade_broken", rule.name, event.source, event.id, event.depth)
        self.audit.record(
            who=SOURCE,
            what="break_cascade",
            where=rule.name,
            why=f"{event.type} is {event.depth} reactions deep; the limit is {self.max_depth}",
            how="cascade_breaker",
            when=now,
        )

    # -- actions --------------------------------------------------------

    def _act(self, action: str, rule: Rule, event: Event) -> None:
        kernel, kernel_action, event_type = _EFFECTS[action]
        component = _subject(event)
        if kernel is not None and kernel_action is not None:  # set together in _EFFECTS
            call = self.kernels.call(kernel, kernel_action, {"rule": rule.name, "component_id": component})
            call.callbacks.append(self._on_call)
        if event_type is None:
            return
        if action == "self_heal":
            body: dict[str, Any] = {"component_id": str(component), "playbook": rule.name}
        elif action == "spawn_agent":
            body = {"reason": rule.name, "count": rule.spawn_count}
        else:
            body = {"reason": rule.name}
        self._out.publish(event_type, body, event)

    def _on_call(self, call: simpy.Event) -> None:
        if not call.ok:
            call.defused = True
            self.call_failures += 1

    def _add_to_batch(self, rule: Rule, event: Event) -> None:
        batch = rule.batch
        assert batch is not None, "only a rule with a batch definition has the batch action"
        held = self._batches.setdefault(rule.name, [])
        held.append(event)
        if len(held) >= batch.size:
            self._flush(rule)
        elif len(held) == 1:
            generation = self._batch_generation.get(rule.name, 0)
            timer = self.env.timeout(batch.window_ms / 1000.0)
            timer.callbacks.append(lambda _: self._flush_if(rule, generation))

    def _flush_if(self, rule: Rule, generation: int) -> None:
        if self._batch_generation.get(rule.name, 0) == generation and self._batches.get(rule.name):
            self._flush(rule)

    def _flush(self, rule: Rule) -> None:
        batch = rule.batch
        assert batch is not None, "only a rule with a batch definition holds a batch"
        held = self._batches.pop(rule.name)
        self._batch_generation[rule.name] = self._batch_generation.get(rule.name, 0) + 1
        self.batches += 1
        deepest = max(held, key=lambda e: e.depth)
        self._emit(self.env.now, "policy.batch", rule.name, len(held))
        for action in batch.then:
            self._act(action, rule, deepest)
        self._raise(rule, deepest)  # one task for the whole batch

    # -- statistics -----------------------------------------------------

    def stats(self) -> dict[str, Any]:
        return {
            "evaluated": self.evaluated,
            "fired": sum(self.fired.values()),
            "fired_by_rule": dict(self.fired),
            "cascades_broken": self.cascades_broken,
            "over_limit": self.over_limit,
            "deepest": self.deepest,
            "batches": self.batches,
            "call_failures": self.call_failures,
        }

    def close(self) -> None:
        """Add the policy totals to the recorder's counts."""
        for key, value in self.stats().items():
            if key == "fired_by_rule":
                for rule, fired in value.items():
                    self._count(f"policy.fired.{rule}", fired)
            else:
                self._count(f"policy.{key}", value)


def _subject(event: Event) -> str:
    """The component ``event`` is about: the one its payload names, else its source.

    Payloads name it as ``component_id``; a crash as the ``kernel``, a drifted
    dependency (a boot chunk) as the ``dependency``, and a failed call as the
    ``endpoint`` ``kernel.action`` of the kernel that failed it.
    """
    payload = event.payload
    if isinstance(payload, dict):
        for field in ("component_id", "kernel", "dependency"):
            if isinstance(payload.get(field), str):
                return str(payload[field])
        if isinstance(payload.get("endpoint"), str):
            return str(payload["endpoint"]).partition(".")[0]
    return event.source


def _without(rules: tuple[Rule, ...], disabled: tuple[str, ...]) -> tuple[Rule, ...]:
    """``rules`` less those switched off by name; an unknown name is an error naming the field."""
    names = [rule.name for rule in rules]
    for i, name in enumerate(disabled):
        if name not in names:
            raise DefinitionError(f"no rule named {name!r}; the rules are {', '.join(names)}",
                                  path=f"policy.disabled[{i}]")
    return tuple(rule for rule in rules if rule.name not in disabled)
