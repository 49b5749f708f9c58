"""The probes of lost work change the verdict of shipped scenarios when the safeguard that saves the work is off.

Each test runs a shipped scenario on one seed with a stack switch on, then
off, and checks that the probe passes with the safeguard and fails without:
worker_dropout without reassignment loses tasks, kernel_kill_restart without
retries fails workflow runs, with or without the dead-letter queue.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from chaosbench.sim.run.record import Journal, ProbeResult
from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.scenario.loader import read_yaml
from chaosbench.sim.scenario.overrides import scenario_at

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
WORKER_DROPOUT = SCENARIOS / "layer2" / "worker_dropout.yaml"
KERNEL_KILL_RESTART = SCENARIOS / "dirt" / "kernel_kill_restart.yaml"
REASSIGNMENT = "stack.pool.reassignment.enabled"
RETRY = "stack.engine.retry.enabled"
DEAD_LETTER = "stack.engine.dead_letter.enabled"


def journal(file: Path, *overrides: tuple[str, Any]) -> Journal:
    """The journal of the shipped scenario ``file`` with ``overrides`` applied, run on seed 1."""
    scenario = scenario_at(read_yaml(file), overrides, str(file), 0)
    return run_scenario(scenario, seed=1, file=str(file)).journal


def only(name: str, run: Journal) -> ProbeResult:
    (result,) = (probe for probe in run.probes if probe.kind == name)
    return result


def test_failed_tasks_fails_worker_dropout_when_killed_workers_tasks_are_not_reassigned():
    on = journal(WORKER_DROPOUT, (REASSIGNMENT, True))
    off = journal(WORKER_DROPOUT, (REASSIGNMENT, False))
    assert on.passed and only("failed_tasks", on).value == 0
    assert off.counts.tasks["failed"] > 0
    assert not off.passed and only("failed_tasks", off).value == off.counts.tasks["failed"]
    # The SLA and recovery probes miss the loss: the lost-work probe alone turns the verdict.
    assert [probe.id for probe in off.probes if not probe.passed] == ["failed_tasks"]


def test_failed_workflows_fails_kernel_kill_restart_without_retries_with_or_without_the_dead_letter_queue():
    probe = ("steady_state", [{"failed_workflows": {"max": 5}}])
    on = journal(KERNEL_KILL_RESTART, probe, (RETRY, True))
    off = journal(KERNEL_KILL_RESTART, probe, (RETRY, False))
    off_unqueued = journal(KERNEL_KILL_RESTART, probe, (RETRY, False), (DEAD_LETTER, False))
    assert on.passed and not off.passed and not off_unqueued.passed
    assert only("failed_workflows", on).value <= 5 < only("failed_workflows", off_unqueued).value
    assert only("failed_workflows", off_unqueued).value == off_unqueued.counts.counter("engine.failed")


def test_dead_letter_count_counts_failed_runs_that_the_queue_no_longer_holds_or_never_kept():
    on = journal(KERNEL_KILL_RESTART, (RETRY, True))
    off = journal(KERNEL_KILL_RESTART, (RETRY, False))
    off_unqueued = journal(KERNEL_KILL_RESTART, (RETRY, False), (DEAD_LETTER, False))
    assert on.passed and not off.passed and not off_unqueued.passed
    # Replays may empty the queue, and a queue that is off holds nothing: neither hides the failed runs.
    assert only("dead_letter_count", off).value >= off.counts.counter("engine.dead_letters")
    assert off_unqueued.counts.counter("engine.dead_letters") == 0
    assert only("dead_letter_count", off_unqueued).value > 10
