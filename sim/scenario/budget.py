"""What a run may cost: interval floors relative to the horizon, a ceiling on the events a scenario may cause,
and the sampling interval of long runs.

A scenario is refused, with the field, its value and the limit, when

* a periodic check of the stack (health readings, watchdog checks, heartbeat
  checks) would tick more than :data:`MAX_TICKS` times over the run: its
  interval must be at least ``duration / MAX_TICKS``;
* the events it is expected to cause exceed :data:`MAX_EVENTS`: every
  arrival (a task, a published event, a flooded task, a storm event, an
  intent) costs about :data:`EVENTS_PER_ARRIVAL` simulation events, and each
  tick of a periodic check one. Ten million tasks (3·10^7 events) fit.

Sampling is never refused: a run keeps at most :data:`MAX_SAMPLES` timeseries
samples, so a long run samples more coarsely than ``stack.sample_interval``
(:func:`sampling_interval`) and its journal says so.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from chaosbench.orchestration.config import StackConfig
from chaosbench.sim.faults.base import FaultParams
from chaosbench.sim.workloads.events import EventWorkload
from chaosbench.sim.workloads.intents import IntentWorkload
from chaosbench.sim.workloads.tasks import TaskWorkload


class _Item(Protocol):
    @property
    def tasks(self) -> TaskWorkload | None: ...

    @property
    def events(self) -> EventWorkload | None: ...

    @property
    def intents(self) -> IntentWorkload | None: ...


class _Fault(Protocol):
    @property
    def params(self) -> FaultParams: ...


class Scenario(Protocol):
    """What the budget reads of a scenario (a protocol, so that the scenario model can use this module)."""

    @property
    def duration(self) -> float: ...

    @property
    def stack(self) -> StackConfig: ...

    @property
    def workload(self) -> Sequence[_Item]: ...

    @property
    def faults(self) -> Sequence[_Fault]: ...


#: Most ticks one periodic check of the stack may take in a run.
MAX_TICKS = 10_000_000
#: Most simulation events a scenario may be expected to cause.
MAX_EVENTS = 100_000_000
#: Simulation events one arrival causes, about (measured: 2.3 for a task of the M/M/c baseline, 2.6 for an
#: event of the trigger mesh); an upper estimate.
EVENTS_PER_ARRIVAL = 3
#: Most timeseries samples a run keeps.
MAX_SAMPLES = 1_000_000


def periodic_intervals(scenario: Scenario) -> dict[str, float]:
    """The interval of each periodic check of the stack, by the field that sets it."""
    stack = scenario.stack
    return {"stack.health.interval": stack.health.interval, "stack.watchdog.interval": stack.watchdog.interval,
            "stack.heartbeat.interval": stack.heartbeat.interval}


def expected_arrivals(scenario: Scenario) -> float:
    """Tasks, events and intents the workloads and faults of ``scenario`` are expected to bring."""
    arrivals = 0.0
    for item in scenario.workload:
        spec = item.tasks or item.events or item.intents
        assert spec is not None, "a workload item holds exactly one of tasks, events, intents"
        stop = min(spec.stop if spec.stop is not None else scenario.duration, scenario.duration)
        arrivals += spec.rate * max(0.0, stop - spec.start)
    for fault in scenario.faults:
        params = fault.params
        arrivals += float(getattr(params, "count", 0) or 0) + getattr(params, "rate", 0.0) * params.duration
    return arrivals


def expected_events(scenario: Scenario) -> float:
    """Simulation events ``scenario`` is expected to cause: arrivals, periodic checks and samples."""
    ticks = sum(scenario.duration / interval for interval in periodic_intervals(scenario).values())
    samples = scenario.duration / sampling_interval(scenario)
    return expected_arrivals(scenario) * EVENTS_PER_ARRIVAL + ticks + samples


def sampling_interval(scenario: Scenario) -> float:
    """Seconds between timeseries samples: ``stack.sample_interval``, or longer so that a run keeps at most
    :data:`MAX_SAMPLES` samples."""
    return max(scenario.stack.sample_interval, scenario.duration / MAX_SAMPLES)


def sampling_note(scenario: Scenario) -> str | None:
    """What a run's journal says of its timeseries when it is sampled more coarsely than asked; else None."""
    sampling = sampling_interval(scenario)
    if sampling <= scenario.stack.sample_interval:
        return None
    return (f"sampled every {sampling:g}s rather than every {scenario.stack.sample_interval:g}s: a run keeps at "
            f"most {MAX_SAMPLES:,} samples")


def budget_problems(scenario: Scenario) -> list[tuple[str, str]]:
    """Each field whose value makes ``scenario`` cost more than the limits allow, with what is wrong."""
    problems = []
    floor = scenario.duration / MAX_TICKS
    for field, interval in periodic_intervals(scenario).items():
        if interval < floor:
            problems.append((field, f"expected at least {floor:g}s for a run of {scenario.duration:g}s "
                                    f"(at most {MAX_TICKS:,} checks a run), got {interval:g}s"))
    events = expected_events(scenario)
    if events > MAX_EVENTS:
        problems.append(("duration", f"the workloads and faults over {scenario.duration:g}s would cause about "
                                     f"{events:.3g} simulation events; at most {MAX_EVENTS:.0e} are allowed "
                                     "(lower the rates, counts or duration)"))
    return problems
