"""The learning loop chooses: playbook odds per incident, failed attempts that cost time, and learned rankings."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from chaosbench.orchestration.config import StackConfig
from chaosbench.orchestration.core.wiring import Wiring
from chaosbench.orchestration.governance.gate import GovernanceConfig, GovernanceGate
from chaosbench.orchestration.governance.trust import TrustConfig, TrustScorer
from chaosbench.orchestration.resilience.immune import ImmuneConfig, ImmuneKernel
from chaosbench.orchestration.resilience.learning import LearningConfig, WorkflowLearning
from chaosbench.sim.run.runtime import SimRuntime

from .helpers import IMMUNE_HEALS_ALONE, at, build

CANDIDATES = ("restart", "redeploy", "rollback")


def learning(**config) -> WorkflowLearning:
    return WorkflowLearning(Wiring.of(SimRuntime(1)), LearningConfig(**config))


def test_without_evidence_the_playbooks_are_tried_in_their_configured_order():
    assert learning().ranking("kernel_down", CANDIDATES) == list(CANDIDATES)


def test_a_ranking_learned_before_the_run_comes_before_the_configured_order():
    learned = learning(ranking={"kernel_down": ("rollback", "redeploy")})
    assert learned.ranking("kernel_down", CANDIDATES) == ["rollback", "redeploy", "restart"]
    assert learned.ranking("queue_warn", CANDIDATES) == list(CANDIDATES)  # per signature
    # A learned name that is no candidate of the signature is not tried.
    assert learning(ranking={"kernel_down": ("reboot",)}).ranking("kernel_down", CANDIDATES) == list(CANDIDATES)


def test_the_best_healer_of_this_run_goes_first_then_the_learned_ranking():
    learned = learning(ranking={"kernel_down": ("rollback", "redeploy")})
    learned.record("kernel_down", "restart", False, 5.0)
    learned.record("kernel_down", "redeploy", True, 30.0)
    assert learned.ranking("kernel_down", CANDIDATES) == ["redeploy", "rollback", "restart"]


def test_with_learning_off_outcomes_are_recorded_but_the_configured_order_stays():
    off = learning(enabled=False, ranking={"kernel_down": ("rollback",)})
    off.record("kernel_down", "redeploy", True, 30.0)
    assert off.ranking("kernel_down", CANDIDATES) == list(CANDIDATES)
    assert off.recommend("kernel_down") == "redeploy"


def test_a_ranking_may_be_written_as_a_line_of_names_as_a_set_override_gives_it():
    config = StackConfig.model_validate({"learning": {"ranking": {"kernel_down": "redeploy_kernel restart_kernel"}}})
    assert config.learning.ranking == {"kernel_down": ("redeploy_kernel", "restart_kernel")}


def _kernel(config: dict, outcomes: dict[str, bool] | None = None, seed: int = 1, **learned):
    """An immune kernel whose playbooks (those of ``outcomes``, healing as it says) record what they were asked."""
    runtime = SimRuntime(seed)
    wiring = Wiring.of(runtime)
    gate = GovernanceGate(wiring, GovernanceConfig(), TrustScorer(wiring, TrustConfig()))
    memory = WorkflowLearning(wiring, LearningConfig(**learned))
    outcomes = outcomes or {"restart": True, "redeploy": True}
    applied: list[tuple[float, str]] = []

    def playbook(name):
        def apply(_payload):
            applied.append((runtime.env.now, name))
            return outcomes[name]
        return apply

    immune = ImmuneConfig(**{"playbooks": {"kernel_down": ("restart", "redeploy"), "queue_warn": ("restart",)},
                             **config})
    kernel = ImmuneKernel(wiring, immune, gate, memory, {name: playbook(name) for name in outcomes})
    return runtime, kernel, applied


def test_a_failed_attempt_costs_its_time_changes_nothing_and_the_next_playbook_is_tried():
    runtime, kernel, applied = _kernel({"durations": {"restart": 15, "redeploy": 30},
                                        "success": {"kernel_down": {"restart": 0.0}}})
    kernel.on_anomaly("kernel_down", {})
    runtime.env.run(until=100)
    assert applied == [(45.0, "redeploy")]  # the restart did not work and was not applied; 15 s were spent
    immune = runtime.recorder.frame("immune")
    assert immune["playbook"].tolist() == ["restart", "redeploy"]
    assert immune["outcome"].tolist() == ["failed", "healed"]
    assert immune["time"].tolist() == [15.0, 45.0]
    counts = runtime.recorder.counts
    assert counts["immune.incidents"] == counts["immune.incidents_healed"] == 1
    assert counts["immune.time_to_heal_ms"] == 45_000


def test_a_playbooks_odds_depend_on_the_incident_signature():
    runtime, kernel, applied = _kernel({"success": {"kernel_down": {"restart": 0.0}, "queue_warn": {"restart": 1.0}}})
    kernel.on_anomaly("queue_warn", {})
    kernel.on_anomaly("kernel_down", {})
    runtime.env.run(until=100)
    assert [name for _, name in applied] == ["restart", "redeploy"]  # cured queue_warn, not kernel_down


def test_the_odds_are_drawn_from_the_incidents_own_stream_and_a_seed_gives_the_same_draws():
    def healed(seed: int) -> list[str]:
        runtime, kernel, _ = _kernel({"success": {"kernel_down": {"restart": 0.5, "redeploy": 0.5}}}, seed=seed)
        for k in range(40):
            at(runtime, 10.0 * k, lambda: kernel.on_anomaly("kernel_down", {}))
        runtime.env.run(until=400)
        return runtime.recorder.frame("immune")["outcome"].tolist()

    first = healed(1)
    assert first == healed(1) and first != healed(2)
    assert 0.3 < first.count("healed") / len(first) < 0.7


def test_no_playbook_healing_leaves_the_incident_unhealed_and_counted():
    runtime, kernel, _ = _kernel({"success": {"kernel_down": {"restart": 0.0, "redeploy": 0.0}}})
    kernel.on_anomaly("kernel_down", {})
    runtime.env.run(until=100)
    counts = runtime.recorder.counts
    assert counts["immune.incidents_unhealed"] == 1 and "immune.incidents_healed" not in counts


def test_the_learned_ranking_decides_the_first_attempt_and_learning_off_ignores_it():
    config = {"success": {"kernel_down": {"restart": 0.0}}}
    for enabled, first in ((True, "redeploy"), (False, "restart")):
        runtime, kernel, _ = _kernel(config, enabled=enabled, ranking={"kernel_down": ("redeploy", "restart")})
        kernel.on_anomaly("kernel_down", {})
        runtime.env.run(until=100)
        assert runtime.recorder.frame("immune")["playbook"].iloc[0] == first


def test_an_anomaly_reported_before_the_incident_closed_opens_no_new_one():
    runtime, kernel, applied = _kernel({"durations": {"restart": 15}})
    kernel.on_anomaly("kernel_down", {}, reported_at=0.0)
    at(runtime, 15.5, lambda: kernel.on_anomaly("kernel_down", {}, reported_at=14.9))  # stale: published while open
    at(runtime, 30.0, lambda: kernel.on_anomaly("kernel_down", {}, reported_at=30.0))  # a new report
    runtime.env.run(until=100)
    assert [when for when, _ in applied] == [15.0, 45.0]
    assert runtime.recorder.counts["immune.incidents"] == 2


def test_a_signatures_playbooks_replace_only_that_signatures_defaults():
    config = ImmuneConfig(playbooks={"kernel_down": ("redeploy_kernel", "restart_kernel")})
    assert config.playbooks["kernel_down"] == ("redeploy_kernel", "restart_kernel")
    assert config.playbooks["dispatcher_paused"] == ImmuneConfig().playbooks["dispatcher_paused"]


@pytest.mark.parametrize("config, message", [
    ({"success": {"kernel_down": {"restart_kernel": 1.5}}}, r"kernel_down.restart_kernel: expected a probability"),
    ({"durations": {"restart_kernel": -1}}, r"restart_kernel: expected a number of seconds"),
])
def test_bad_odds_and_durations_are_refused(config, message):
    with pytest.raises(ValidationError, match=message):
        ImmuneConfig(**config)


def test_the_stack_redeploys_a_crashed_kernel_and_heals_it():
    runtime, stack = build({"immune": {"playbooks": {"kernel_down": ["redeploy_kernel"]},
                                       "durations": {"redeploy_kernel": 30}}, **IMMUNE_HEALS_ALONE})
    at(runtime, 10.0, lambda: stack.take_kernel_down("avn_core"))
    runtime.env.run(until=120)
    assert stack.kernels.is_up("avn_core")
    immune = runtime.recorder.frame("immune")
    assert immune["playbook"].tolist() == ["redeploy_kernel"] and immune["outcome"].tolist() == ["healed"]
