"""Safeguards switched off by name: ``--without NAME`` and ``--only NAME`` on run, suite and sweep, and the plugin's
``--chaos-without``."""
from __future__ import annotations

import json
import shlex

import pytest
import yaml

from chaosbench.cli.arguments import switched_off
from chaosbench.cli.main import build_parser, main
from chaosbench.orchestration.config import StackConfig
from chaosbench.orchestration.core.sections import Safeguard
from chaosbench.sim.checks.safeguards import SAFEGUARDS, safeguards_off, switch_arguments
from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.scenario.overrides import scenario_at
from tests.conftest import ROOT

pytest_plugins = ["pytester"]

#: Two dropouts of three workers in four, and an SLA that tolerates no failed task: only reassignment saves it.
NEEDS_REASSIGNMENT = {
    "name": "needs_reassignment", "duration": "120s", "settle": "60s", "expect_safeguards": ["worker_reassignment"],
    "workload": [{"tasks": {"rate": "2.4/s", "service": {"exponential": "1s"}}}],
    "faults": [{"at": at, "worker_dropout": {"fraction": 0.75}} for at in ("10s", "40s")],
    "steady_state": [{"sla_compliance": {"min": 1.0}}],
}

WORKER_DROPOUT = str(ROOT / "scenarios" / "layer2" / "worker_dropout.yaml")

#: A busy 200 s in which every safeguard of the catalogue fires: a boot chunk that validates only on a retry,
#: flaky and crashed kernels under a stream of critical KPI breaches, a duplicating trigger storm, tier-0
#: intents from authorized and unauthorized actors, a policy cascade, a worker dropout, a flood past a low
#: shedding depth, a resource siege, lost and reordered messages, and a long pause (with the immune kernel and
#: the KPI monitor off, so that only the watchdog resumes the dispatcher).
EVERY_SAFEGUARD_FIRES = {
    "name": "every_safeguard", "duration": "200s",
    "stack": {"immune": {"enabled": False}, "kpi": {"enabled": False}, "htm": {"shedding": {"critical_depth": 50}},
              "boot": {"chunks": [{"chunk_id": "core", "priority": 0, "duration": 1.0, "ready_after": 2.0}]},
              "kernels": {"avn_core": {"failure_probability": 0.3}}, "operator": {"median_response": 0.3},
              "governance": {"mode": "enforce_critical", "authorized": ["intruder-1-*"]}},
    "workload": [
        {"tasks": {"rate": "3.6/s", "service": {"exponential": "1s"},
                   "priority_mix": {"critical": 0.05, "high": 0.25, "normal": 0.4, "low": 0.3},
                   "sla": {"critical": "5s", "normal": "60s", "low": "20s"}}},
        {"events": {"rate": "1/s", "sources": 5, "types": {"kpi.threshold_breach": 1.0},
                    "payloads": {"kpi.threshold_breach": {"severity": "CRITICAL"}}}},
    ],
    "faults": [
        {"at": "5s", "trigger_storm": {"rate": "500/s", "for": "5s", "duplicates": 0.3}},
        {"at": "5s", "acl_flood": {"rate": "1/s", "for": "10s", "intent": "modify_governance"}},
        {"at": "15s", "acl_flood": {"rate": "5/s", "for": "5s", "intent": "grant_permissions"}},
        {"at": "20s", "kernel_crash": {"kernel": "avn_core", "for": "20s"}},
        {"at": "20s", "policy_cascade": {"depth": 20}},
        {"at": "30s", "worker_dropout": {"fraction": 0.5}},
        {"at": "40s", "queue_flood": {"count": 300, "over": "3s", "priority_mix": {"low": 1.0}}},
        {"at": "60s", "resource_siege": {"for": "40s", "cpu": 90}},
        {"at": "60s", "message_loss": {"probability": 0.5, "for": "20s"}},
        {"at": "85s", "message_reorder": {"probability": 0.5, "window": "3s", "for": "20s"}},
        {"at": "110s", "scheduler_pause": {"for": "60s"}},
    ],
}


def fired_without(*names: str) -> dict[str, int]:
    scenario = scenario_at(EVERY_SAFEGUARD_FIRES, (), "every.yaml", 0, names)
    return run_scenario(scenario, seed=1, without=names).journal.safeguards.fired


@pytest.mark.parametrize("name", SAFEGUARDS)
def test_each_name_switches_a_safeguard_section_of_the_stack_configuration(name):
    section: object = StackConfig()
    for key in SAFEGUARDS[name].split("."):
        section = getattr(section, key)
    assert isinstance(section, Safeguard)


def test_every_safeguard_fires_in_the_busy_scenario_with_nothing_off():
    assert set(fired_without()) == set(SAFEGUARDS)


@pytest.mark.parametrize("name", SAFEGUARDS)
def test_without_a_name_its_safeguard_never_fires(name):
    fired = fired_without(name)
    assert name not in fired
    assert len(fired) >= len(SAFEGUARDS) // 2  # the others still act: only this one was turned off


def test_without_all_no_safeguard_fires():
    assert fired_without(*safeguards_off(["all"])) == {}


def test_only_turns_every_other_safeguard_off():
    kept = ("dedup", "retry")
    assert safeguards_off(only=kept) == tuple(name for name in SAFEGUARDS if name not in kept)


def test_an_unknown_name_is_refused_with_the_closest_one():
    with pytest.raises(ValueError, match="--only: unknown safeguard 'dedupe'; did you mean 'dedup'"):
        safeguards_off(only=["dedupe"])


@pytest.mark.parametrize("off", [(), ("dedup",), ("dedup", "retry", "preemption"), tuple(SAFEGUARDS),
                                 tuple(SAFEGUARDS)[1:], tuple(SAFEGUARDS)[:7]])
def test_the_written_switches_turn_exactly_the_same_safeguards_off(off):
    args = build_parser().parse_args(["run", "x.yaml", *switch_arguments(off)])
    assert switched_off(args) == off


@pytest.mark.parametrize("arguments, message", [
    (["--without", "worker_reasignment"], "did you mean 'worker_reassignment'?"),
    (["--only", "all"], "unknown safeguard 'all'"),
    (["--without", "dedup", "--only", "retry"], "not allowed with argument"),
])
@pytest.mark.parametrize("command", [["run"], ["suite"], ["sweep", "--seeds", "1"]])
def test_a_bad_switch_is_a_usage_error(capsys, command, arguments, message):
    with pytest.raises(SystemExit) as exit:
        main([command[0], WORKER_DROPOUT, *command[1:], *arguments])
    assert exit.value.code == 2
    assert message in capsys.readouterr().err


def test_run_records_the_switch_and_its_reproduce_command_reruns_it(capsys, tmp_path):
    # Without reassignment the dropout loses tasks: the run fails, and its reproduce command says why.
    assert main(["run", WORKER_DROPOUT, "--without", "worker_reassignment", "--out", str(tmp_path / "a"),
                 "--json"]) == 1
    journal = json.loads(capsys.readouterr().out)["journal"]
    assert journal["parameters"]["safeguards_off"] == ["worker_reassignment"]
    assert journal["parameters"]["stack"]["pool"]["reassignment"]["enabled"] is False
    assert journal["reproduce"].endswith("--without worker_reassignment")
    main([*shlex.split(journal["reproduce"])[1:], "--out", str(tmp_path / "b"), "--json"])
    again = json.loads(capsys.readouterr().out)["journal"]
    assert again["trace_digest"] == journal["trace_digest"]
    main(["run", WORKER_DROPOUT, "--out", str(tmp_path / "c"), "--json"])
    control = json.loads(capsys.readouterr().out)["journal"]
    assert control["trace_digest"] != journal["trace_digest"] and "safeguards_off" not in control["parameters"]


def test_suite_runs_every_scenario_without_the_safeguard_and_records_nothing(capsys, tmp_path):
    db = tmp_path / "memory.sqlite"
    main(["suite", WORKER_DROPOUT, "--without", "worker_reassignment", "--out", str(tmp_path), "--db", str(db),
          "--json"])
    run, = json.loads(capsys.readouterr().out)["runs"]
    assert run["reproduce"].endswith("--without worker_reassignment")
    assert not db.exists()  # an experiment is no step of the scenario's ladder


def test_sweep_runs_without_the_safeguard_and_keeps_its_parts_apart(capsys, tmp_path):
    out = str(tmp_path / "sweep")
    main(["sweep", WORKER_DROPOUT, "--seeds", "1", "--workers", "1", "--out", out, "--json"])
    control = json.loads(capsys.readouterr().out)
    main(["sweep", WORKER_DROPOUT, "--seeds", "1", "--workers", "1", "--out", out, "--without", "all", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert control["counts"]["ran"] == 1 and report["counts"]["ran"] == 1  # not taken for the control run already done
    assert report["summary"] != control["summary"]


def test_the_pytest_plugin_runs_each_scenario_without_the_safeguard(pytester):
    scenario = pytester.path / "needs_reassignment.yaml"
    scenario.write_text(yaml.safe_dump(NEEDS_REASSIGNMENT), encoding="utf-8")
    assert pytester.runpytest(str(scenario)).ret == 0
    failed = pytester.runpytest(str(scenario), "--chaos-without", "worker_reassignment")
    assert failed.ret == 1
    failed.stdout.fnmatch_lines(["*chaosbench run *needs_reassignment.yaml --seed 1 --level 0 "
                                 "--without worker_reassignment*"])
    refused = pytester.runpytest(str(scenario), "--chaos-without", "dedupe")
    assert refused.ret == 4 and "did you mean 'dedup'" in refused.stderr.str()
