"""Comparing results against a baseline: did this change make the stack less resilient?

Both sides are results as the reports read them: run directories, folders
of them (a suite's output), or ``chaosbench sweep`` folders. Runs are paired
by scenario, setting (a sweep's ``--set`` values; none for run directories),
level and seed, so each pair met the same arrivals and faults. For the
pairs the comparison gives:

* the trace digests that changed (the simulation took another path);
* the verdicts that flipped, by the canary rule (:mod:`sim.run.verdict`): a
  *regression* is a run that was ok and is not;
* per scenario, setting, level and probe, the paired difference current -
  baseline over the seeds, with its 95% Student-t interval when there are
  several (:func:`sim.checks.intervals.paired_difference`).

A probe got *worse* when it moved toward or past its bound (down for a
``>=`` bound, up for a ``<=`` one) by more than the tolerance, a share of the
bound's size (at least one unit of the probe): with one pair, its change
alone; with several, the whole 95% interval of the change, so that noise
between seeds is not taken for a regression.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from chaosbench.reports.loading import Results, Unreadable, find_runs
from chaosbench.reports.sweeps import find_sweeps
from chaosbench.sim.checks.identity import probe_column
from chaosbench.sim.checks.intervals import paired_difference
from chaosbench.sim.run.verdict import Verdict


class RunKey(NamedTuple):
    """What pairs a run with its baseline."""

    scenario: str
    setting: str  # a sweep's settings as ``path=value, ...``; '' for a run directory
    level: int
    seed: int

    @property
    def label(self) -> str:
        where = f" {self.setting}" if self.setting else ""
        return f"{self.scenario}[level{self.level}-seed{self.seed}]{where}"


@dataclass(frozen=True)
class ProbeValue:
    """One probe of one run: its value and what it is held to (``op`` '' when the bound is not known)."""

    value: float
    op: str
    bound: float
    unit: str


@dataclass(frozen=True)
class RunPoint:
    """What the comparison needs of one run."""

    key: RunKey
    verdict: Verdict
    digest: str
    probes: dict[str, ProbeValue]
    reproduce: str


def run_points(results: Results, skipped: list[Unreadable] | None = None) -> dict[RunKey, RunPoint]:
    """Every run of ``results`` (run directories and sweeps) by its key; a key found twice keeps the first. With
    ``skipped``, a run or sweep that cannot be read is left out and added to it rather than raising."""
    found: dict[RunKey, RunPoint] = {}
    for record in find_runs(results, skipped=skipped):
        journal = record.journal
        key = RunKey(journal.scenario, "", journal.level, journal.seed)
        probes = {probe.id: ProbeValue(probe.value, probe.bound.op, probe.bound.value, probe.unit)
                  for probe in journal.probes}
        found.setdefault(key, RunPoint(key, journal.verdict, journal.trace_digest, probes, journal.reproduce))
    for sweep in find_sweeps(results, skipped=skipped):
        for row, run_verdict in zip(sweep.table.to_dict("records"), sweep.verdicts(), strict=True):
            setting = ", ".join(f"{path}={row[path]}" for path in sweep.settings)
            key = RunKey(sweep.scenario, setting, int(row["level"]), int(row["seed"]))
            probes = {}
            for probe_id in sweep.probe_ids:
                about = sweep.probes.get(probe_id, {})
                bound = about.get("bound") or {}
                value = row[probe_column(probe_id)]
                probes[probe_id] = ProbeValue(math.nan if value is None else float(value), str(bound.get("op", "")),
                                              float(bound.get("value", math.nan)), str(about.get("unit", "")))
            found.setdefault(key, RunPoint(key, run_verdict, str(row.get("trace_digest", "")), probes,
                                           str(row.get("reproduce", ""))))
    return found


@dataclass(frozen=True)
class Flip:
    """A run whose verdict changed."""

    key: RunKey
    before: Verdict
    after: Verdict
    reproduce: str

    @property
    def regressed(self) -> bool:
        return self.before.ok and not self.after.ok


@dataclass(frozen=True)
class ProbeChange:
    """One probe of one scenario, setting and level: current against baseline over the paired seeds."""

    scenario: str
    setting: str
    level: int
    probe: str
    unit: str
    op: str
    bound: float
    pairs: int
    before: float
    after: float
    difference: float
    low: float
    high: float
    worse: bool
    better: bool

    @property
    def changed(self) -> bool:
        return self.difference != 0 and not math.isnan(self.difference)


@dataclass
class Comparison:
    """The current results against the baseline (see the module docstring)."""

    baseline: str
    current: str
    tolerance: float
    paired: int
    only_baseline: list[RunKey] = field(default_factory=list)
    only_current: list[RunKey] = field(default_factory=list)
    digests_changed: list[RunKey] = field(default_factory=list)
    flips: list[Flip] = field(default_factory=list)
    probes: list[ProbeChange] = field(default_factory=list)
    skipped: list[Unreadable] = field(default_factory=list)  # run and sweep folders that could not be read

    @property
    def regressions(self) -> list[Flip]:
        return [flip for flip in self.flips if flip.regressed]

    @property
    def worse(self) -> list[ProbeChange]:
        return [change for change in self.probes if change.worse]

    @property
    def regressed(self) -> bool:
        """A verdict regressed or a probe got worse beyond the tolerance."""
        return bool(self.regressions or self.worse)

    def to_json(self) -> dict[str, Any]:
        """The comparison as JSON data (numbers as numbers; a value that is not finite as null)."""
        return {
            "baseline": self.baseline, "current": self.current, "tolerance": self.tolerance,
            "regressed": self.regressed, "paired": self.paired,
            "only_baseline": [key.label for key in self.only_baseline],
            "only_current": [key.label for key in self.only_current],
            "digests_changed": [key.label for key in self.digests_changed],
            "verdicts_flipped": [{"run": flip.key.label, "baseline": str(flip.before), "current": str(flip.after),
                                  "regressed": flip.regressed, "reproduce": flip.reproduce} for flip in self.flips],
            "probes": [{key: _finite(value) for key, value in vars(change).items()} for change in self.probes],
            "skipped": [{"path": str(item.path), "reason": item.reason} for item in self.skipped],
        }


def _finite(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def compare(baseline: Results, current: Results, *, tolerance: float = 0.0, baseline_name: str = "",
            current_name: str = "") -> Comparison:
    """Pair the runs of ``current`` with those of ``baseline`` and compare them (see the module docstring).

    Raises FileNotFoundError for a folder that does not exist. A run or sweep that cannot be read is left out and
    named in the comparison's ``skipped``.
    """
    skipped: list[Unreadable] = []
    before, after = run_points(baseline, skipped=skipped), run_points(current, skipped=skipped)
    common = [key for key in after if key in before]
    comparison = Comparison(baseline_name or _name(baseline), current_name or _name(current), tolerance, len(common),
                            only_baseline=sorted(key for key in before if key not in after),
                            only_current=sorted(key for key in after if key not in before), skipped=skipped)
    for key in sorted(common):
        old, new = before[key], after[key]
        if old.digest != new.digest:
            comparison.digests_changed.append(key)
        if old.verdict != new.verdict:
            comparison.flips.append(Flip(key, old.verdict, new.verdict, new.reproduce))
    comparison.probes = _probe_changes([(before[key], after[key]) for key in sorted(common)], tolerance)
    return comparison


def _name(results: Results) -> str:
    return str(results) if not isinstance(results, Iterable) or isinstance(results, str) else "runs"


def _probe_changes(pairs: list[tuple[RunPoint, RunPoint]], tolerance: float) -> list[ProbeChange]:
    groups: dict[tuple[str, str, int, str], list[tuple[ProbeValue, ProbeValue]]] = {}
    for old, new in pairs:
        for probe_id, value in new.probes.items():
            if probe_id in old.probes:
                key = (new.key.scenario, new.key.setting, new.key.level, probe_id)
                groups.setdefault(key, []).append((old.probes[probe_id], value))
    changes = []
    for (scenario, setting, level, probe_id), values in groups.items():
        reference = values[0][1] if values[0][1].op else values[0][0]
        found = paired_difference([(old.value, new.value) for old, new in values])
        worse, better = _judge(reference, found.difference, found.low, found.high, tolerance)
        changes.append(ProbeChange(scenario, setting, level, probe_id, reference.unit, reference.op,
                                   reference.bound, found.pairs, found.before, found.after, found.difference,
                                   found.low, found.high, worse, better))
    return changes


def _judge(probe: ProbeValue, difference: float, low: float, high: float, tolerance: float) -> tuple[bool, bool]:
    """Whether a change moved the probe toward its bound (worse) or away from it (better) beyond the tolerance."""
    if probe.op not in (">=", "<=") or math.isnan(difference):
        return False, False
    sign = 1.0 if probe.op == "<=" else -1.0  # how a worsening shows in ``current - baseline``
    allowed = tolerance * max(abs(probe.bound), 1.0) if math.isfinite(probe.bound) else tolerance
    if math.isnan(low):
        least, most = sign * difference, sign * difference
    else:
        least, most = sorted((sign * low, sign * high))
    return least > allowed, most < -allowed
