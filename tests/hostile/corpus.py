"""A corpus of hostile input, by class: malformed and extreme scenario, suite and workflow files, damaged run
folders, odd options and a failing environment.

Each :class:`Case` is a command line run in a folder of its own holding the
case's files; its output may go only to ``out/`` there. ``allowed`` is the set
of exit statuses it may end with, ``expect`` a text its standard error (or
output) must hold.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from chaosbench.orchestration.mesh.registry import default_workflow_path
from tests.conftest import mmc_document

INPUT = frozenset({0, 1, 2})
BAD = frozenset({2})
ENVIRONMENT = frozenset({3})

Setup = Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    name: str
    argv: list[str]
    files: dict[str, bytes] = field(default_factory=dict)
    allowed: frozenset[int] = INPUT
    expect: str = ""
    setup: Setup | None = None
    before: tuple[tuple[str, ...], ...] = ()  # commands that prepare the case (run and checked first)

    def __str__(self) -> str:
        return self.name


def small(**overrides: object) -> dict:
    """A valid scenario that runs in a fraction of a second: 30 simulated seconds of an M/M/4 queue."""
    document = mmc_document(duration="30s", warmup="0s")
    document["workload"][0]["tasks"]["rate"] = "2/s"
    document.update(overrides)
    return document


def text(document: object) -> bytes:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True).encode()


def _set(document: dict, path: str, value: object) -> dict:
    node: object = document
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})  # type: ignore[index]
    if isinstance(node, list):
        node[int(parts[-1])] = value
    else:
        node[parts[-1]] = value  # type: ignore[index]
    return document


# -- scenario fields x extreme values ------------------------------------------------------------------------

FIELDS = (
    "duration", "warmup", "settle", "workload.0.tasks.rate", "workload.0.tasks.service.exponential",
    "workload.0.tasks.priority_mix.normal", "workload.0.tasks.sla.normal", "workload.0.tasks.start",
    "stack.htm.workers", "stack.sample_interval", "stack.health.interval", "stack.heartbeat.interval",
    "stack.watchdog.interval", "stack.pool.relief.max_agents", "stack.intents.voters", "stack.mesh_guard.max_holds",
    "stack.htm.stacking.window", "stack.router.dedup.window", "stack.bus.capacity", "stack.operator.median_response",
    "faults.0.at", "faults.0.worker_dropout.fraction", "faults.0.worker_dropout.restart_after",
    "steady_state.0.sla_compliance.min", "difficulty.max_level", "difficulty.escalate_after",
    "difficulty.scale.workload.0.tasks.rate", "name", "title", "tags",
)
VALUES: dict[str, object] = {
    "nan": float("nan"), "inf": float("inf"), "-inf": float("-inf"), "negative": -1, "zero": 0, "max-float": 1e308,
    "tiny": 5e-324, "huge-int": 10**30, "overflowing-text": "1e999", "rate-for-duration": "5/s",
    "duration-for-rate": "5s", "empty": "", "list": [], "mapping": {}, "bool": True, "null": None,
    "unknown-unit": "10 fortnights", "nul": "a\x00b", "newline": "mmc\n", "path": "../../x", "unicode": "ü🙂\u202e",
    "long-text": "x" * 5000,
}


#: Expected simulation events below which a valid mutation is run as well as validated.
CHEAP = 20_000


def field_cases() -> Iterator[Case]:
    """Every field of :data:`FIELDS` set to every value of :data:`VALUES`: validated, and run when it is valid
    and cheap."""
    from chaosbench.sim.scenario.budget import expected_events
    from chaosbench.sim.scenario.loader import ScenarioError, scenario_from_document

    for path in FIELDS:
        for label, value in VALUES.items():
            document = small(faults=[{"at": "10s", "worker_dropout": {"fraction": 0.5, "restart_after": "5s"}}],
                             difficulty={"max_level": 2, "scale": {"workload.0.tasks.rate": 1.1}})
            files = {"s.yaml": text(_set(document, path, value))}
            yield Case(f"field {path} = {label}", ["validate", "s.yaml", "--json"], files)
            try:
                cheap = expected_events(scenario_from_document(yaml.safe_load(files["s.yaml"]), "s.yaml")) < CHEAP
            except ScenarioError:
                continue
            if cheap:
                yield Case(f"field {path} = {label}: run", ["run", "s.yaml", "--out", "out/run", "--json"], files)


# -- YAML that must never reach the models ----------------------------------------------------------------

BOMB = "\n".join([f"{letter}: &{letter} [" + ", ".join([f"*{prev}"] * 9) + "]"
                  for prev, letter in zip("abcdefgh", "bcdefghi", strict=True)])
TEXTS: dict[str, tuple[bytes, str]] = {
    "alias bomb": (("a: &a [x, x, x, x, x, x, x, x, x]\n" + BOMB + "\n").encode(), "alias bomb"),
    "alias bomb in explore.knobs": (text(small()) + b"explore:\n  knobs:\n"
                                    + b"    a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
                                    + "".join(f"    {line}\n" for line in BOMB.splitlines()).encode(), "alias bomb"),
    "recursive alias": (b"name: &a [*a]\n", "refers to a node that contains it"),
    "deep flow nesting": (b"name: " + b"[" * 10_000 + b"]" * 10_000 + b"\n", "nest"),
    "deep block nesting": ("".join("  " * i + f"k{i}:\n" for i in range(200)).encode() + b"  " * 200 + b"v\n",
                           "nested deeper"),
    "deep through aliases": (b"a: &a " + b"[" * 60 + b"1" + b"]" * 60 + b"\nb: " + b"[" * 60 + b"*a" + b"]" * 60
                             + b"\n", "nested deeper"),
    "python tag": (b"name: !!python/object/apply:os.system ['touch PWNED']\n", "YAML tag"),
    "set tag": (b"name: x\nduration: 30s\ntags: !!set {a, b}\n", "YAML tag '!!set'"),
    "binary tag": (b"name: !!binary aGVsbG8=\n", "YAML tag"),
    "local tag": (b"name: !mine x\n", "YAML tag"),
    "duplicate key": (text(small()) + b"duration: 40s\n", "duplicate key 'duration'"),
    "duplicate nested key": (b"name: x\nduration: 30s\nstack: {htm: {workers: 2, workers: 3}}\n", "duplicate key"),
    "latin-1 bytes": ("name: caf\xe9\nduration: 30s\n".encode("latin-1"), "not UTF-8"),
    "utf-16": ("name: x\nduration: 30s\n".encode("utf-16"), "not UTF-8"),
    "utf-8 with bom": (b"\xef\xbb\xbf" + text(small()), ""),
    "nul byte": (b"name: x\x00\nduration: 30s\n", "not allowed"),
    "control characters": (b"name: x\x07\nduration: 30s\n", "not allowed"),
    "lone surrogate": (b'name: x\nduration: 30s\ntitle: "\\ud800"\n', ""),
    "5000-digit integer": (b"name: x\nduration: " + b"9" * 5000 + b"\n", "cannot be read"),
    "sexagesimal": (b"name: x\nduration: 1:2:3:4:5:6:7\n", ""),
    "empty file": (b"", "expected a mapping"),
    "only a comment": (b"# nothing\n", "expected a mapping"),
    "a list": (b"- name: x\n", "expected a mapping"),
    "a scalar": (b"42\n", "expected a mapping"),
    "two documents": (text(small()) + b"---\n" + text(small()), "invalid YAML"),
    "unterminated": (b"name: [x\n", "invalid YAML"),
    "tabs": (b"name: x\n\tduration: 30s\n", "invalid YAML"),
    "crlf": (text(small()).replace(b"\n", b"\r\n"), ""),
    "merge keys": (b"base: &b {rate: 2/s, service: {exponential: 1s}}\n" + text({k: v for k, v in small().items()
                                                                                  if k != "workload"})
                   + b"workload:\n  - tasks:\n      <<: *b\n      rate: 3/s\n", ""),
    "unhashable key": (b"? [a, b]\n: 1\n", "plain value"),
    "too large": (b"name: x\nduration: 30s\ntitle: '" + b"x" * (600 * 1024) + b"'\n", "larger than"),
    "long line of numbers": (b"name: x\nduration: 30s\ntags: [" + b"1, " * 20_000 + b"1]\n", ""),
    "date": (b"name: x\nduration: 2026-01-01\n", "duration"),
}


def text_cases() -> Iterator[Case]:
    for label, (content, expect) in TEXTS.items():
        yield Case(f"yaml {label}: validate", ["validate", "s.yaml", "--json"], {"s.yaml": content}, expect="")
        yield Case(f"yaml {label}: run", ["run", "s.yaml", "--out", "out/run", "--json"], {"s.yaml": content},
                   expect=expect)
        yield Case(f"yaml {label}: list", ["list", "s.yaml", "--json"], {"s.yaml": content})
        yield Case(f"yaml {label}: workflows validate", ["workflows", "validate", "s.yaml", "--json"],
                   {"s.yaml": content})
        yield Case(f"yaml {label}: suite file", ["suite", "suite.yaml", "--out", "out", "--no-db"],
                   {"suite.yaml": content.replace(b"name:", b"scenarios: [s.yaml]\nname:", 1), "s.yaml": content})


# -- files that are not files ----------------------------------------------------------------------------


def _fifo(path: str) -> Setup:
    return lambda folder: os.mkfifo(folder / path)


def _link(path: str, target: str) -> Setup:
    return lambda folder: os.symlink(target, folder / path)


def _folder(path: str) -> Setup:
    return lambda folder: (folder / path).mkdir()


SPECIAL: dict[str, tuple[Setup, str]] = {
    "a FIFO": (_fifo("s.yaml"), "not a regular file"),
    "a folder named .yaml": (_folder("s.yaml"), "is a folder"),
    "a dangling link": (_link("s.yaml", "nowhere.yaml"), "dangling link"),
    "a link loop": (_link("s.yaml", "s.yaml"), "loops"),
    "a device": (_link("s.yaml", "/dev/zero"), "not a regular file"),
    "missing": (lambda folder: None, "no such file"),
}


def special_cases() -> Iterator[Case]:
    for label, (setup, expect) in SPECIAL.items():
        for argv in (["run", "s.yaml", "--out", "out/run"], ["workflows", "validate", "s.yaml"],
                     ["sweep", "s.yaml", "--seeds", "1", "--out", "out/s"]):
            yield Case(f"{label}: {argv[0]} {argv[1]}", argv, setup=setup, expect=expect, allowed=BAD)
        for argv in (["validate", "s.yaml"], ["list", "s.yaml"]):  # a folder is searched for scenarios
            yield Case(f"{label}: {argv[0]} {argv[1]}", argv, setup=setup)


# -- workflow and rule files -----------------------------------------------------------------------------


def _workflows(**configuration: object) -> bytes:
    document = yaml.safe_load(default_workflow_path().read_text())
    document.setdefault("configuration", {}).update(configuration)
    return text(document)


WORKFLOW_FILES: dict[str, bytes] = {
    "backoff overflow": _workflows(retry_policy={"max_attempts": 100, "backoff_coefficient": 1e308,
                                                 "initial_interval_ms": 1e308, "max_interval_ms": 1e308}),
    "nan timeout": _workflows(default_timeout_ms=float("nan")),
    "huge parallel": _workflows(max_parallel_workflows=10**30),
    "negative rate": _workflows(rate_limiting={"max_events_per_minute": -5}),
    "unknown key": _workflows(retry_polcy={}),
    "workflows not a list": b"workflows: 5\n",
    "unknown kernel": b"workflows:\n  - name: w\n    trigger: {event_type: kpi.threshold_breach}\n"
                      b"    actions: [{target: nowhere.nothing}]\n",
    "template injection": b"workflows:\n  - name: w\n    trigger: {event_type: kpi.threshold_breach}\n"
                          b"    actions: [{target: hunter.scan,\n"
                          b"               parameters: {x: \"{{ __import__('os').system('x') }}\"}}]\n",
    "rules with bomb": b"rules: &r [" + b", ".join([b"{name: x}"] * 9) + b"]\nmore: [" + b", ".join([b"*r"] * 9)
                       + b"]\n",
    "rules with tag": b"rules: !!python/name:os.system\n",
}


def workflow_cases() -> Iterator[Case]:
    for label, content in WORKFLOW_FILES.items():
        yield Case(f"workflows file {label}: validate", ["workflows", "validate", "w.yaml", "--json"],
                   {"w.yaml": content})
        yield Case(f"workflows file {label}: a scenario's stack", ["run", "s.yaml", "--out", "out/run", "--json"],
                   {"w.yaml": content, "s.yaml": text(small(stack={"workflows": {"file": "w.yaml"}}))})


# -- run folders for report ------------------------------------------------------------------------------

GOOD_RUN = ("run", "s.yaml", "--out", "out/runs/good")
DAMAGE: dict[str, Setup] = {
    "truncated journal": lambda f: (f / "out/runs/bad/journal.json").write_bytes(
        (f / "out/runs/good/journal.json").read_bytes()[:150]),
    "empty journal": lambda f: (f / "out/runs/bad/journal.json").write_bytes(b""),
    "journal of a newer schema": lambda f: (f / "out/runs/bad/journal.json").write_text(json.dumps(
        {**json.loads((f / "out/runs/good/journal.json").read_text()), "schema": "99.0"})),
    "journal not an object": lambda f: (f / "out/runs/bad/journal.json").write_text("[1, 2]"),
    "journal with NaN": lambda f: (f / "out/runs/bad/journal.json").write_text(
        (f / "out/runs/good/journal.json").read_text().replace('"sim_time": 30.0', '"sim_time": NaN')),
    "journal not UTF-8": lambda f: (f / "out/runs/bad/journal.json").write_bytes(b"\xff\xfe{}"),
    "corrupt tasks table": lambda f: (f / "out/runs/bad/tasks.parquet").write_bytes(b"PAR1 not really"),
    "tasks table is a folder": lambda f: ((f / "out/runs/bad/tasks.parquet").unlink(),
                                          (f / "out/runs/bad/tasks.parquet").mkdir()),
    "missing timeseries": lambda f: (f / "out/runs/bad/timeseries.parquet").unlink(),
    "table of another shape": lambda f: (f / "out/runs/bad/timeseries.parquet").write_bytes(
        (f / "out/runs/good/journal.json").read_bytes()),
}


def _damaged(how: Setup) -> Setup:
    def setup(folder: Path) -> None:
        import shutil

        shutil.copytree(folder / "out/runs/good", folder / "out/runs/bad")
        how(folder)

    return setup


def report_cases() -> Iterator[Case]:
    yield Case("report with a truncated journal, as HTML", ["report", "out/runs", "--html", "out/report.html"],
               {"s.yaml": text(small())}, before=(GOOD_RUN,), setup=_damaged(DAMAGE["truncated journal"]),
               expect="skipped")
    for label, how in DAMAGE.items():
        for extra in (["--md", "out/summary.md"], ["--json", "--junit", "out/junit.xml"]):
            yield Case(f"report with {label} {' '.join(extra)}", ["report", "out/runs", *extra],
                       {"s.yaml": text(small())}, before=(GOOD_RUN,), setup=_damaged(how),
                       expect="report: skipped out/runs/bad")
        yield Case(f"workflows stats of a run with {label}", ["workflows", "stats", "out/runs/bad", "--json"],
                   {"s.yaml": text(small())}, before=(GOOD_RUN,), setup=_damaged(how))
        yield Case(f"compare against runs with {label}", ["compare", "out/runs/good", "out/runs", "--json"],
                   {"s.yaml": text(small())}, before=(GOOD_RUN,), setup=_damaged(how),
                   expect="compare: skipped out/runs/bad" if "journal" in label else "")


# -- options ----------------------------------------------------------------------------------------------

OPTIONS: dict[str, list[str]] = {
    "seed beyond 64 bits": ["run", "s.yaml", "--out", "out/run", "--seed", "9" * 40],
    "negative seed": ["run", "s.yaml", "--out", "out/run", "--seed", "-5"],
    "seed of 5000 digits": ["run", "s.yaml", "--out", "out/run", "--seed", "9" * 5000],
    "negative level": ["run", "s.yaml", "--level", "-1"],
    "level beyond the ladder": ["run", "s.yaml", "--out", "out/run", "--level", "3"],
    "huge level": ["run", "s.yaml", "--level", "9" * 30],
    "set an alias bomb": ["run", "s.yaml", "--out", "out/run", "--set", "title=&a [*a]"],
    "set a tag": ["run", "s.yaml", "--out", "out/run", "--set", "title=!!python/name:os.system"],
    "set a set": ["run", "s.yaml", "--out", "out/run", "--set", "tags=!!set {a}"],
    "set a name with a path": ["run", "s.yaml", "--out", "out/run", "--set", "name=../../escape"],
    "set nan": ["run", "s.yaml", "--out", "out/run", "--set", "workload.0.tasks.rate=.nan"],
    "set into a missing list item": ["run", "s.yaml", "--out", "out/run", "--set", "workload.9.tasks.rate=5"],
    "unknown safeguard": ["run", "s.yaml", "--without", "seatbelt"],
    "suite of a billion seeds": ["suite", "s.yaml", "--seeds", "1000000000", "--out", "out", "--no-db"],
    "sweep of millions of seeds": ["sweep", "s.yaml", "--seeds", "1:5000000", "--out", "out/s"],
    "sweep with 5000 workers": ["sweep", "s.yaml", "--seeds", "1:2", "--workers", "5000", "--out", "out/s"],
    "sweep with reversed seeds": ["sweep", "s.yaml", "--seeds", "5:1", "--out", "out/s"],
    "sweep with a negative level": ["sweep", "s.yaml", "--seeds", "1", "--levels", "0,-1", "--out", "out/s"],
    "sweep setting a value twice": ["sweep", "s.yaml", "--seeds", "1", "--set", "stack.htm.workers=3,3",
                                    "--out", "out/s"],
    "sweep over names": ["sweep", "s.yaml", "--seeds", "1", "--workers", "1", "--set", "name=a,b", "--out",
                         "out/s", "--json"],
    "explore with a huge budget": ["explore", "s.yaml", "--budget", "10" * 10, "--out", "out/e.yaml"],
    "loop for a million days": ["loop", "s.yaml", "--days", "1000000", "--out", "out", "--db", "out/m.sqlite"],
    "frontier with a billion seeds": ["frontier", "s.yaml", "--seeds", "1000000000"],
    "ablate with no seeds": ["ablate", "s.yaml", "--seeds", "0"],
    "report of a file": ["report", "s.yaml"],
    "report of nothing": ["report", "out"],
    "unknown command": ["destroy", "everything"],
    "validate nothing": ["validate", "out"],
}


def option_cases() -> Iterator[Case]:
    for label, argv in OPTIONS.items():
        yield Case(f"option: {label}", argv, {"s.yaml": text(small())}, setup=_folder("out"))


# -- where output goes ------------------------------------------------------------------------------------

OUTPUTS: list[Case] = [
    Case("run --out onto a project folder", ["run", "s.yaml", "--out", "project"],
         {"s.yaml": text(small()), "project/keep.py": b"print('mine')\n"}, allowed=BAD, expect="not a chaosbench run"),
    Case("run --out onto a folder of earlier runs", ["run", "s.yaml", "--out", "out/runs"], {"s.yaml": text(small())},
         allowed=BAD, before=(("run", "s.yaml", "--out", "out/runs/mmc_small/level0-seed1"),
                              ("run", "s.yaml", "--out", "out/runs/mmc_small/level0-seed2")),
         expect="not a chaosbench run"),
    Case("run --out onto a file", ["run", "s.yaml", "--out", "notes.txt"],
         {"s.yaml": text(small()), "notes.txt": b"mine"}, allowed=BAD),
    Case("run --force onto a project folder", ["run", "s.yaml", "--out", "project", "--force"],
         {"s.yaml": text(small()), "project/keep.py": b"print('mine')\n"}, allowed=BAD),
    Case("run --out through a link to a project", ["run", "s.yaml", "--out", "out/link"],
         {"s.yaml": text(small()), "project/keep.py": b"mine"}, allowed=BAD,
         setup=lambda f: ((f / "out").mkdir(), os.symlink(f / "project", f / "out/link"))),
    Case("suite with two scenarios of one name", ["suite", ".", "--out", "out", "--no-db"],
         {"a.yaml": text(small()), "b.yaml": text(small())}, allowed=BAD, expect="is also the name of"),
    Case("sweep --out onto a project folder", ["sweep", "s.yaml", "--seeds", "1", "--out", "project"],
         {"s.yaml": text(small()), "project/results.parquet": b"mine"}, allowed=BAD),
    Case("a sweep's name leaving its folder", ["sweep", "s.yaml", "--seeds", "1", "--workers", "1"],
         {"s.yaml": text(small(name="../../../../escape"))}, allowed=BAD, expect="name: expected"),
    Case("--db onto another program's file", ["suite", "s.yaml", "--out", "out", "--db", "app.sqlite"],
         {"s.yaml": text(small()), "app.sqlite": b"SQLite format 3\x00" + b"\x00" * 100}, allowed=BAD),
    Case("--db onto a text file", ["suite", "s.yaml", "--out", "out", "--db", "notes.txt"],
         {"s.yaml": text(small()), "notes.txt": b"mine\n"}, allowed=BAD, expect="nothing was written"),
    Case("report --db onto a text file", ["report", "out/runs", "--md", "out/s.md", "--db", "notes.txt"],
         {"s.yaml": text(small()), "notes.txt": b"mine\n" * 100}, before=(("run", "s.yaml", "--out", "out/runs/one"),),
         allowed=BAD, expect="not a memory database"),
    Case("report onto a full disk", ["report", "out/runs", "--md", "/dev/full"], {"s.yaml": text(small())},
         before=(("run", "s.yaml", "--out", "out/runs/one"),), allowed=ENVIRONMENT, expect="No space left"),
    Case("run into a folder that refuses files", ["run", "s.yaml", "--out", "/sys/chaosbench/run"],
         {"s.yaml": text(small())}, allowed=ENVIRONMENT),
    Case("memory database in a folder that refuses files", ["suite", "s.yaml", "--out", "out", "--db",
                                                            "/sys/m.sqlite"],
         {"s.yaml": text(small())}, allowed=ENVIRONMENT),
    Case("explore a span of more steps than any search takes", ["explore", "s.yaml", "--budget", "2",
                                                                 "--no-db", "--out", "out/e.yaml", "--json"],
         {"s.yaml": text(small(explore={"params": {"scheduler_pause": {"for": {"min": 0, "max": 1e308,
                                                                                "step": 1e-300}}}}))},
         allowed=BAD, expect="steps from min to max"),
    Case("explore with a small budget", ["explore", "s.yaml", "--budget", "3", "--no-db", "--out",
                                         "out/e.yaml", "--json"],
         {"s.yaml": text(small(explore={"faults": ["scheduler_pause"], "max_faults": 1}))}),
    Case("a hostile file name", ["run", "x; touch PWNED #.yaml", "--out", "out/run"],
         {"x; touch PWNED #.yaml": text(small(steady_state=[{"throughput": {"min": "100/s"}}]))},
         allowed=frozenset({1})),
]


def all_cases() -> list[Case]:
    return [*field_cases(), *text_cases(), *special_cases(), *workflow_cases(), *report_cases(), *option_cases(),
            *OUTPUTS]
