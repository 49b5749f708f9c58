"""Intent workloads: Poisson streams of intents sent through the intent governance router.

A stream has a rate, a mix of intent kinds (the fourteen of the autonomy
tiers, weights summing to 1), a mix of mission contexts (the share of
intents whose context marks each charter priority: ``resilience``,
``revenue``, ``autonomy``, ``learning``, or ``none``), the actor that sends
them and the work an admitted intent needs. Each intent goes through
:meth:`Stack.submit_intent`, so its tier decides what happens to it: tier 0
waits for the operator's approval, tier 3 for the unified-logic vote (whose
voters say yes as often as the mission alignment), an actor the governance
gate refuses is denied. Its priority is its tier's; ``sla`` sets the
deadline per priority (the stack's SLAs otherwise).
"""
from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError
from simpy.events import ProcessGenerator

from chaosbench.orchestration.governance.intents import MISSION_WEIGHTS, TIER_PRIORITY, TIERS
from chaosbench.orchestration.stack import Stack
from chaosbench.sim.spec.fields import Duration, Fraction, Instant, Model, PriorityName, Rate, suggest, sums_to_one
from chaosbench.sim.workloads.tasks import ServiceTime

#: Each charter priority by name, with the mission-context key that marks it (``revenue`` -> ``revenue_impact``).
CHARTER: dict[str, str] = {keys[0]: keys[-1] for keys, _weight in MISSION_WEIGHTS}
#: The mission mix's name for intents whose context marks no charter priority.
NO_MISSION = "none"


def _intent_kind(value: object) -> str:
    if not isinstance(value, str) or value not in TIERS:
        raise PydanticCustomError("intent", f"unknown intent {value!r}{suggest(str(value), TIERS)}; "
                                            f"expected one of {', '.join(TIERS)}")
    return value


def _mission(value: object) -> str:
    choices = [*CHARTER, NO_MISSION]
    if not isinstance(value, str) or value not in choices:
        raise PydanticCustomError("mission", f"unknown charter priority {value!r}{suggest(str(value), choices)}; "
                                             f"expected one of {', '.join(choices)}")
    return value


#: One of the intent kinds of the autonomy tiers (``modify_governance``, ``optimize_system``...).
IntentKind = Annotated[str, BeforeValidator(_intent_kind)]
#: Weights per intent kind that sum to 1.
IntentMix = Annotated[dict[IntentKind, Fraction], AfterValidator(sums_to_one)]
#: Weights per charter priority (or ``none``) that sum to 1.
MissionMix = Annotated[dict[Annotated[str, BeforeValidator(_mission)], Fraction], AfterValidator(sums_to_one)]


class IntentWorkload(Model):
    """Intents arriving as a Poisson process from ``start`` until ``stop`` (or the end of the run)."""

    rate: Rate
    mix: IntentMix
    mission: MissionMix = {NO_MISSION: 1.0}
    actor: str = "workload"
    service: ServiceTime = ServiceTime(exponential=1.0)
    sla: dict[PriorityName, Duration] = {}
    start: Instant = 0.0
    stop: Instant | None = None


def start_intent_workload(stack: Stack, spec: IntentWorkload, index: int, until: float) -> None:
    """Start the intents of workload number ``index`` on ``stack``, drawing from the streams ``workload.<index>.*``."""
    stop = min(until, spec.stop if spec.stop is not None else until)
    stack.runtime.env.process(_arrivals(stack, spec, f"workload.{index}", stop))


def weighted_choice(weights: dict[str, float], rng: random.Random) -> Callable[[], str]:
    """A function drawing one key of ``weights`` with its weight, from ``rng``.

    The keys are drawn in the order of their names, not as the file lists them: a mapping has no order, and
    the same mix must give the same draws however it is written.
    """
    names, bounds, total = sorted(weights), [], 0.0
    for name in names:
        total += weights[name]
        bounds.append(total)
    last, pick = len(names) - 1, rng.random
    # The last name also takes a draw that rounding carried up to the total.
    return lambda: names[min(bisect_right(bounds, pick() * total), last)]


def _arrivals(stack: Stack, spec: IntentWorkload, stream: str, stop: float) -> ProcessGenerator:
    runtime = stack.runtime
    env = runtime.env
    gap = runtime.rng(stream + ".arrivals").expovariate
    kind_of = weighted_choice(spec.mix, runtime.rng(stream + ".mix"))
    mission_of = weighted_choice(spec.mission, runtime.rng(stream + ".mission"))
    draw_work = spec.service.sampler(runtime.rng(stream + ".service"))
    contexts: dict[str, dict[str, Any] | None] = {name: {key: True} for name, key in CHARTER.items()}
    contexts[NO_MISSION] = None
    sla = {kind: spec.sla.get(TIER_PRIORITY[tier].label) for kind, tier in TIERS.items()}
    if spec.start > 0:
        yield env.timeout(spec.start)
    while True:
        yield env.timeout(gap(spec.rate))
        if env.now >= stop:
            return
        kind = kind_of()
        stack.submit_intent(kind, spec.actor, mission_context=contexts[mission_of()], work=draw_work(),
                            sla=sla[kind])
