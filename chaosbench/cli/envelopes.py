"""What each command's ``--json`` prints, as types: the source of the shipped JSON Schema of the output.

Every envelope has ``schema`` (``chaosbench/<kind>/v1``) and ``ok`` (true
exactly when the command exits 0). A plural key always holds a list (or an
object by name); counts are under ``counts``. Any number may be ``null``
where it is not finite (a probe that could not be measured, a recovery that
never came). :func:`chaosbench.cli.schemas.output_schema` turns these types
into the JSON Schema that ``chaosbench schema output`` prints and
``chaosbench/schemas/`` ships.
"""
from __future__ import annotations

from typing import Any, Literal, NotRequired

from typing_extensions import TypedDict

from chaosbench.sim.drills.records import IncidentRecord
from chaosbench.sim.run.probe_result import ProbeResult
from chaosbench.sim.run.record import InvariantResult, Journal

Verdict = Literal["passed", "failed", "expected failure", "canary passed"]


class Envelope(TypedDict):
    schema: str
    ok: bool


class ErrorItem(TypedDict):
    status: int
    file: str
    field: str
    message: str
    line: NotRequired[int]
    column: NotRequired[int]


class ErrorEnvelope(Envelope):
    command: str
    status: int
    errors: list[ErrorItem]


class Problem(TypedDict):
    field: str
    message: str
    line: int
    column: int


class CheckedFile(TypedDict):
    file: str
    valid: bool
    kind: NotRequired[Literal["scenario", "suite", "drill"]]
    name: NotRequired[str]
    scenarios: NotRequired[int]
    incidents: NotRequired[int]
    problems: NotRequired[list[Problem]]


class ValidateEnvelope(Envelope):
    files: list[CheckedFile]


class ListedScenario(TypedDict):
    name: str
    title: str
    tags: list[str]
    faults: list[str]
    file: str
    incidents: NotRequired[list[str]]  # an incident file's incidents


class ListEnvelope(Envelope):
    scenarios: list[ListedScenario]


class RunEnvelope(Envelope):
    verdict: Verdict
    run_dir: str
    journal: Journal


class RunSummary(TypedDict):
    scenario: str
    file: str
    level: int
    seed: int
    passed: bool
    trace_digest: str
    reproduce: str
    probes: list[ProbeResult]
    invariants: dict[str, InvariantResult]
    findings: list[str]
    verdict: Verdict
    ok: bool
    run_dir: str


class Skipped(TypedDict):
    path: str
    reason: str


class Flip(TypedDict):
    run: str
    baseline: Verdict
    current: Verdict
    regressed: bool
    reproduce: str


class ProbeChange(TypedDict):
    scenario: str
    setting: str
    level: int
    probe: str
    unit: str
    op: Literal[">=", "<="]
    bound: float
    pairs: int
    before: float
    after: float
    difference: float
    low: float
    high: float
    worse: bool
    better: bool


class Comparison(TypedDict):
    baseline: str
    current: str
    tolerance: float
    regressed: bool
    paired: int
    only_baseline: list[str]
    only_current: list[str]
    digests_changed: list[str]
    verdicts_flipped: list[Flip]
    probes: list[ProbeChange]
    skipped: list[Skipped]


class SuiteEnvelope(Envelope):
    runs: list[RunSummary]
    comparison: NotRequired[Comparison]


class CompareEnvelope(Envelope):
    comparison: Comparison


class LoopCounts(TypedDict):
    rounds: int
    runs: int
    failed: int
    escalations: int


class Standing(TypedDict):
    level: int
    streak: int


class Escalation(TypedDict):
    round: int
    scenario: str
    to_level: int


class LoopRun(RunSummary):
    round: int


class LoopEnvelope(Envelope):
    counts: LoopCounts
    ladder: dict[str, Standing]
    escalations: list[Escalation]
    runs: list[LoopRun]


class FailingRun(TypedDict):
    seed: int
    probes: list[ProbeResult]
    invariants: dict[str, InvariantResult]
    findings: list[str]
    reproduce: str


class FrontierEnvelope(Envelope):
    scenario: str
    max_level: int
    highest_passing: int
    first_failing: int | None
    tried: dict[str, bool]
    first_failing_runs: list[FailingRun]


class ExploreCounts(TypedDict):
    budget: int
    examples: int
    shrink_runs: int
    runs: int
    failures: int


class ExploreEnvelope(Envelope):
    scenario: str
    seed: int
    sim_seed: int | None
    found: bool
    minimal: dict[str, Any] | None
    failed_checks: list[str]
    removals: list[dict[str, Any]]
    out: str | None
    reproduce: str | None
    db: str | None
    wall_time_s: float
    timed_out: bool
    counts: ExploreCounts


class SwarmSearch(TypedDict):
    index: int
    seed: int
    kinds: list[str]
    examples: int
    runs: int
    found: bool
    timed_out: bool
    wall_time_s: float


class SwarmFailure(TypedDict):
    checks: list[str]
    found_by: list[int]
    seed: int
    sim_seed: int
    minimal: dict[str, Any]
    failed_checks: list[str]
    removals: list[dict[str, Any]]
    out: str | None
    reproduce: str | None


class SwarmEnvelope(Envelope):
    scenario: str
    searches: list[SwarmSearch]
    found: bool
    failures: list[SwarmFailure]
    wall_time_s: float


class SweepCounts(TypedDict):
    runs: int
    ran: int
    resumed: int
    passed: int
    failed: int


class SweepEnvelope(Envelope):
    scenario: str
    name: str
    tags: list[str]
    out: str
    counts: SweepCounts
    results: str
    summary: list[dict[str, Any]]
    probes: dict[str, dict[str, Any]]
    reproduce: list[str]


class ProbeDifference(TypedDict):
    probe: str
    op: Literal[">=", "<="]
    bound: float
    unit: str
    seeds: int
    control_mean: float
    experiment_mean: float
    difference: float
    ci_low: float
    ci_high: float


class Experiment(TypedDict):
    experiment: str
    without: list[str]
    expected: bool
    control_passed: int
    experiment_passed: int
    flipped: int
    mattered: bool
    invariants_broken: list[str]
    reproduce: list[str]
    probes: list[ProbeDifference]


class AblatedScenario(TypedDict):
    scenario: str
    file: str
    seeds: list[int]
    control_passed: int
    dead_weight: list[str]
    experiments: list[Experiment]


class AblateEnvelope(Envelope):
    dead_weight: list[str]
    table: str
    scenarios: list[AblatedScenario]


class ReportCounts(TypedDict):
    runs: int
    failed_runs: int
    expected_failures: int
    failed_sweep_runs: int
    skipped: int


class ReportEnvelope(Envelope):
    written: dict[Literal["html", "md", "junit"], str]
    score: float | None
    counts: ReportCounts
    runs: list[RunSummary]
    dead_weight: list[str]
    unhealthy_scenarios: list[str]
    skipped: list[Skipped]


class NewEnvelope(Envelope):
    file: str
    name: str
    faults: list[str]


class DrillEnvelope(Envelope):
    drill: str
    file: str
    seed: int
    passed: bool
    incidents: list[IncidentRecord]
    invariants: dict[str, bool]
    findings: list[str]
    run_dir: str
    reproduce: str
