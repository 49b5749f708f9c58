"""Ablation: what each safeguard buys, as a control-versus-experiment comparison with common random numbers.

Like Netflix's ChAP, each scenario runs as a *control* (every safeguard as
the scenario has it) and as *experiments* that each turn safeguards off: all
of them at once (``all_off``), and each expected safeguard alone (with
``everything_fired``, also every other safeguard the control runs fired).
Every arm runs on the same seeds, so seed ``s`` of an experiment meets the
same arrivals and faults as seed ``s`` of the control, and the comparison is
paired: for each probe (by its id), the mean over seeds of ``experiment -
control`` with its 95% Student-t interval over those differences.

A safeguard *mattered* when some seed that passed in the control fails
without it (its verdict flipped); an expected safeguard that never flips a
seed is dead weight, or its scenario is too soft to need it.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from chaosbench.sim.checks.identity import bound_text
from chaosbench.sim.checks.intervals import paired_difference as paired
from chaosbench.sim.checks.safeguards import SAFEGUARDS
from chaosbench.sim.run.probe_result import Bound
from chaosbench.sim.run.record import RunResult
from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.scenario.loader import read_yaml
from chaosbench.sim.scenario.overrides import scenario_at

#: The experiment that turns every safeguard of the catalogue off.
ALL_OFF = "all_off"

#: The columns of the ablation table, one row per scenario, experiment and probe (``runs``: seeds per arm;
#: ``seeds``: the pairs in which the probe was measured).
COLUMNS = ("scenario", "file", "experiment", "expected", "runs", "probe", "op", "bound", "unit", "seeds",
           "control_mean", "experiment_mean", "difference", "ci_low", "ci_high", "control_passed", "experiment_passed",
           "flipped", "mattered", "invariants_broken")


@dataclass(frozen=True)
class Observation:
    """What the ablation keeps of one run: its verdict, each probe's value and bound by id, the broken
    invariants, the safeguards that fired, and the command that reruns it."""

    passed: bool
    probes: dict[str, float]
    bounds: dict[str, Bound]
    broken: tuple[str, ...] = ()
    fired: tuple[str, ...] = ()
    reproduce: str = ""

    @classmethod
    def of(cls, result: RunResult) -> Observation:
        journal = result.journal
        return cls(journal.passed, {probe.id: probe.value for probe in journal.probes},
                   {probe.id: probe.bound for probe in journal.probes},
                   tuple(journal.broken_invariants), tuple(journal.safeguards.fired), journal.reproduce)


@dataclass(frozen=True)
class ProbeDifference:
    """The paired difference in one probe, experiment minus control, over the seeds where both were measured."""

    probe: str
    op: str
    bound: float
    unit: str
    seeds: int
    control_mean: float
    experiment_mean: float
    difference: float
    ci_low: float
    ci_high: float

    @property
    def bound_text(self) -> str:
        """The bound as people read it (``<= 30s``)."""
        return bound_text(self.op, self.bound, self.unit)


@dataclass(frozen=True)
class Comparison:
    """One experiment against the control, seed by seed."""

    experiment: str
    without: tuple[str, ...]
    expected: bool
    control_passed: int
    experiment_passed: int
    flipped: int  # seeds that passed in the control and fail in the experiment
    invariants_broken: tuple[str, ...]  # broken in some seed of the experiment
    probes: tuple[ProbeDifference, ...]
    reproduce: tuple[str, ...]  # the command of each flipped seed

    @property
    def mattered(self) -> bool:
        return self.flipped > 0


def compare(experiment: str, without: Sequence[str], expected: bool, control: Sequence[Observation],
            runs: Sequence[Observation]) -> Comparison:
    """``runs`` (seed by seed) against ``control`` (the same seeds, in the same order)."""
    if len(control) != len(runs):
        raise ValueError(f"expected as many experiment runs as control runs, got {len(runs)} and {len(control)}")
    differences = [paired_difference(label, bound, [(on.probes[label], off.probes[label])
                                                    for on, off in zip(control, runs, strict=True)])
                   for label, bound in (control[0].bounds.items() if control else ())]
    flipped = [off for on, off in zip(control, runs, strict=True) if on.passed and not off.passed]
    broken = tuple(dict.fromkeys(name for run in runs for name in run.broken))
    return Comparison(experiment, tuple(without), expected, sum(run.passed for run in control),
                      sum(run.passed for run in runs), len(flipped), broken, tuple(differences),
                      tuple(run.reproduce for run in flipped))


def paired_difference(probe: str, bound: Bound, pairs: Sequence[tuple[float, float]]) -> ProbeDifference:
    """The mean of ``experiment - control`` over the ``(control, experiment)`` pairs, with its 95% interval
    (:func:`sim.checks.intervals.paired_difference`)."""
    found = paired(pairs)
    return ProbeDifference(probe, bound.op, bound.value, bound.unit, found.pairs, found.before, found.after,
                           found.difference, found.low, found.high)


@dataclass(frozen=True)
class ScenarioAblation:
    """Every experiment of one scenario against its control."""

    scenario: str
    file: str
    seeds: tuple[int, ...]
    control_passed: int
    comparisons: tuple[Comparison, ...]

    @property
    def dead_weight(self) -> list[str]:
        """The expected safeguards whose absence flipped no seed."""
        return [c.experiment for c in self.comparisons if c.expected and not c.mattered]

    def rows(self) -> list[dict[str, Any]]:
        """The ablation table's rows of this scenario (:data:`COLUMNS`)."""
        return [{"scenario": self.scenario, "file": self.file, "experiment": c.experiment, "expected": c.expected,
                 "runs": len(self.seeds), **vars(probe), "control_passed": c.control_passed,
                 "experiment_passed": c.experiment_passed, "flipped": c.flipped, "mattered": c.mattered,
                 "invariants_broken": list(c.invariants_broken)}
                for c in self.comparisons for probe in c.probes]

    def to_json(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "file": self.file, "seeds": list(self.seeds),
                "control_passed": self.control_passed, "dead_weight": self.dead_weight,
                "experiments": [{"experiment": c.experiment, "without": list(c.without), "expected": c.expected,
                                 "control_passed": c.control_passed, "experiment_passed": c.experiment_passed,
                                 "flipped": c.flipped, "mattered": c.mattered,
                                 "invariants_broken": list(c.invariants_broken), "reproduce": list(c.reproduce),
                                 "probes": [_json_probe(probe) for probe in c.probes]}
                                for c in self.comparisons]}


def _json_probe(probe: ProbeDifference) -> dict[str, Any]:
    """The probe's figures, each float that is not finite as ``null`` (as the journal writes them)."""
    return {key: None if isinstance(value, float) and not math.isfinite(value) else value
            for key, value in vars(probe).items()}


def table(ablations: Sequence[ScenarioAblation]) -> pd.DataFrame:
    """The ablation table of every scenario: one row per scenario, experiment and probe."""
    return pd.DataFrame([row for ablation in ablations for row in ablation.rows()], columns=list(COLUMNS))


def ablate(file: str | Path, seeds: Sequence[int], *, everything_fired: bool = False) -> ScenarioAblation:
    """Run the control and every experiment of the scenario in ``file`` on ``seeds``, and compare them.

    The experiments are ``all_off``, then each safeguard of ``expect_safeguards``
    (with ``everything_fired``, also each one a control run fired) in catalogue
    order. A bad file raises ScenarioError.
    """
    file = str(file)
    document = read_yaml(file)
    scenario = scenario_at(document, (), file, 0)

    def arm(without: Sequence[str]) -> list[Observation]:
        switched = scenario_at(document, (), file, 0, without) if without else scenario
        return [Observation.of(run_scenario(switched, seed=seed, file=file, without=without)) for seed in seeds]

    control = arm(())
    expected = set(scenario.expect_safeguards)
    ablated = expected | ({name for run in control for name in run.fired} if everything_fired else set())
    experiments = [(ALL_OFF, tuple(SAFEGUARDS), False),
                   *((name, (name,), name in expected) for name in SAFEGUARDS if name in ablated)]
    comparisons = tuple(compare(name, without, is_expected, control, arm(without))
                        for name, without, is_expected in experiments)
    return ScenarioAblation(scenario.name, file, tuple(seeds), sum(run.passed for run in control), comparisons)
