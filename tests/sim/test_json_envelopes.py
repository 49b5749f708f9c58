"""Every command's --json output is one envelope that names its schema and validates against the shipped JSON
Schema; a failure under --json is the JSON error envelope."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from chaosbench.cli.main import main
from chaosbench.cli.schemas import ENVELOPES, SCHEMAS, schema_text, shipped_schema
from chaosbench.sim.scenario.discovery import is_drill
from tests.conftest import ROOT, mmc_document
from tests.sim.test_explore import weak_document

VALIDATOR = jsonschema.Draft202012Validator(json.loads(shipped_schema("output").read_text(encoding="utf-8")))


def envelope(capsys: pytest.CaptureFixture[str], kind: str) -> dict:
    """What the command printed, checked: strict JSON, the schema of ``kind``, valid against the shipped schema."""
    printed = json.loads(capsys.readouterr().out, parse_constant=lambda word: pytest.fail(f"not JSON: {word}"))
    assert printed["schema"] == f"chaosbench/{kind}/v1"
    errors = sorted(VALIDATOR.iter_errors(printed), key=lambda error: list(error.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors[:5])
    return printed


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """A small scenario, a suite of it, two suites of runs, a sweep folder and an ablation folder."""
    root = tmp_path_factory.mktemp("envelopes")
    small = mmc_document(name="small", duration="120s", warmup="0s", stack={"htm": {"workers": 4}},
                         workload=[{"tasks": {"rate": "1.5/s", "service": {"exponential": "1s"}}}],
                         faults=[{"at": "20s", "worker_dropout": {"fraction": 0.5, "restart_after": "10s"}}],
                         steady_state=[{"sla_compliance": {"min": 0.5}}, {"recovery_time": {"max": "30s"}}],
                         expect_safeguards=["worker_reassignment"], difficulty={"max_level": 2})
    (root / "small.yaml").write_text(yaml.safe_dump(small), encoding="utf-8")
    (root / "suite.yaml").write_text(yaml.safe_dump({"name": "s", "scenarios": ["small.yaml"]}), encoding="utf-8")
    for side in ("a", "b"):
        assert main(["suite", str(root / "suite.yaml"), "--seeds", "2", "--out", str(root / side), "--no-db",
                     "-q"]) in (0, 1)
    assert main(["sweep", str(root / "small.yaml"), "--seeds", "2", "--workers", "1", "--out",
                 str(root / "a" / "sweep"), "-q"]) in (0, 1)
    assert main(["ablate", str(root / "small.yaml"), "--seeds", "1", "--out", str(root / "a" / "ablation"),
                 "-q"]) in (0, 1)
    return root


def test_every_kind_of_envelope_is_in_the_shipped_schema():
    kinds = {choice["$ref"].rsplit("/", 1)[1] for choice in json.loads(schema_text("output"))["oneOf"]}
    assert kinds == {envelope.__name__ for envelope in ENVELOPES.values()}


@pytest.mark.parametrize("kind", SCHEMAS)
def test_the_shipped_schema_files_are_what_the_code_generates(kind):
    assert shipped_schema(kind).read_text(encoding="utf-8") == schema_text(kind), (
        f"regenerate it: chaosbench schema {kind} --out {shipped_schema(kind).relative_to(ROOT)}")


def test_run_validate_and_list(results, capsys, tmp_path):
    status = main(["run", str(results / "small.yaml"), "--out", str(tmp_path / "run"), "--json"])
    printed = envelope(capsys, "run")
    assert printed["ok"] is (status == 0) and printed["journal"]["probes"][0]["bound"] == {"op": ">=", "value": 0.5,
                                                                                 "unit": "ratio"}
    assert main(["validate", str(results), "--json"]) == 0
    assert envelope(capsys, "validate")["ok"] is True
    assert main(["list", str(results), "--json"]) == 0
    assert [row["name"] for row in envelope(capsys, "list")["scenarios"]] == ["small"]


def test_suite_report_and_compare(results, capsys, tmp_path):
    status = main(["suite", str(results / "suite.yaml"), "--seeds", "1", "--out", str(tmp_path), "--no-db",
                   "--baseline", str(results / "a"), "--json"])
    suite = envelope(capsys, "suite")
    assert suite["ok"] is (status == 0) and suite["comparison"]["paired"] == 1
    assert main(["report", str(results / "a"), "--md", str(tmp_path / "s.md"), "--json"]) in (0, 1)
    report = envelope(capsys, "report")
    assert isinstance(report["runs"], list) and report["counts"]["runs"] == len(report["runs"]) == 2
    assert main(["compare", str(results / "a"), str(results / "b"), "--json"]) == 0
    assert envelope(capsys, "compare")["comparison"]["paired"] == 2


def test_loop_frontier_sweep_and_ablate(results, capsys, tmp_path):
    main(["loop", str(results / "suite.yaml"), "--rounds", "2", "--db", str(tmp_path / "m.sqlite"), "--out",
          str(tmp_path), "--json"])
    loop = envelope(capsys, "loop")
    assert loop["counts"]["runs"] == len(loop["runs"]) == 2 and loop["runs"][0]["round"] == 0
    main(["frontier", str(results / "small.yaml"), "--seeds", "1", "--json"])
    envelope(capsys, "frontier")
    main(["sweep", str(results / "small.yaml"), "--seeds", "2", "--workers", "1", "--out",
          str(results / "a" / "sweep"), "--json"])
    assert envelope(capsys, "sweep")["counts"]["resumed"] == 2
    main(["ablate", str(results / "small.yaml"), "--seeds", "1", "--out", str(tmp_path / "ablation"), "--json"])
    probe = envelope(capsys, "ablate")["scenarios"][0]["experiments"][0]["probes"][0]
    assert (probe["op"], probe["bound"], probe["unit"]) == (">=", 0.5, "ratio")


def test_explore(capsys, write_scenario, tmp_path):
    main(["explore", str(write_scenario(weak_document())), "--budget", "3", "--no-db", "--out",
          str(tmp_path / "found.yaml"), "--json"])
    assert set(envelope(capsys, "explore")["counts"]) == {"budget", "examples", "shrink_runs", "runs", "failures"}


def test_workflows_and_new(results, capsys, tmp_path):
    assert main(["workflows", "list", "--json"]) == 0
    assert len(envelope(capsys, "workflows-list")["workflows"]) == 9
    assert main(["workflows", "show", "kpi_critical_healing", "--json"]) == 0
    assert envelope(capsys, "workflows-show")["workflow"]["name"] == "kpi_critical_healing"
    assert main(["workflows", "validate", "--json"]) == 0
    envelope(capsys, "workflows-validate")
    run_dir = next((results / "a").rglob("level0-seed1"))
    assert main(["workflows", "stats", str(run_dir), "--json"]) == 0
    envelope(capsys, "workflows-stats")
    assert main(["new", "fresh", "--fault", "scheduler_pause", "--out", str(tmp_path / "fresh.yaml"), "--json"]) == 0
    assert envelope(capsys, "new")["file"] == str(tmp_path / "fresh.yaml")


@pytest.mark.parametrize("argv", [
    ["run", "missing.yaml", "--json"], ["report", "no/such/folder", "--json"], ["compare", "x", "y", "--json"],
    ["workflows", "show", "nothing", "--json"], ["validate", "missing.yaml", "--json"],
])
def test_a_failure_under_json_is_the_error_envelope_with_exit_2(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    printed = envelope(capsys, "error") if argv[0] != "validate" else envelope(capsys, "validate")
    assert printed["ok"] is False
    if argv[0] != "validate":
        assert printed["status"] == 2 and printed["errors"][0]["message"] and printed["command"] == " ".join(
            argv[:2] if argv[0] == "workflows" else argv[:1])


def test_a_usage_error_under_json_is_the_error_envelope_too(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", "x.yaml", "--seed", "-1", "--json"])
    assert exit_.value.code == 2
    error = envelope(capsys, "error")["errors"][0]
    assert "expected a seed of 0 or more, got -1" in error["message"]


def test_a_field_error_carries_its_line_and_column(write_scenario, capsys):
    path = write_scenario("name: typo\nduration: 1m\nworkload:\n  - tasks: {rate: fast, service: {exponential: 1s}}\n")
    assert main(["run", str(path), "--json"]) == 2
    error = envelope(capsys, "error")["errors"][0]
    assert (error["field"], error["line"], error["column"]) == ("workload[0].tasks.rate", 4, 13)
    assert main(["validate", str(path)]) == 2
    assert f"{path}:4:13: workload[0].tasks.rate: expected a rate" in capsys.readouterr().err


def test_scenario_files_point_their_editor_at_the_schema_and_every_shipped_one_validates():
    validator = jsonschema.Draft202012Validator(json.loads(shipped_schema("scenario").read_text(encoding="utf-8")))
    # Incident files (scenarios/drills/) have a model of their own.
    files = sorted(path for path in (ROOT / "scenarios").rglob("*.yaml") if not is_drill(path))
    assert len(files) > 20
    for path in files:
        problems = [error.message for error in validator.iter_errors(yaml.safe_load(path.read_text()))]
        assert not problems, f"{path}: {problems[:3]}"
    typo = {**mmc_document(), "duraton": "5m"}
    assert not validator.is_valid(typo) and not validator.is_valid(mmc_document(duration="never"))


def test_schema_prints_the_scenario_schema_by_default(capsys, tmp_path: Path):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "chaosbench scenario or suite file"
