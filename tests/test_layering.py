"""The layering of chaosbench, read from its real import graph (DESIGN §1).

Every module below ``chaosbench/`` is parsed with ``ast``, following the links
``chaosbench/sim``, ``chaosbench/orchestration`` and ``chaosbench/reports``.
Each import of a chaosbench module, absolute or relative, at module level or
inside a function, is an edge of the graph. Importing ``a.b.c`` also runs the
``__init__`` of ``a`` and ``a.b``; those implied imports are not edges, or
every package whose ``__init__`` re-exports its modules would be a cycle.

The layers, bottom up: ``orchestration`` (the system under test), ``sim`` (the
testbench), ``reports``, and the front ends (``chaosbench.cli``,
``chaosbench.pytest_plugin`` and the façade ``chaosbench``). Inside the
layers, each subpackage imports only what the "May import" sentence of its
``__init__`` docstring allows; :data:`MAY_IMPORT` spells those rules out.
"""
from __future__ import annotations

import ast
import functools
import graphlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "chaosbench"

#: The layers, bottom up; every other chaosbench module is a front end, above them all.
LAYERS = ("chaosbench.orchestration", "chaosbench.sim", "chaosbench.reports")
FRONT_END = len(LAYERS)

#: The testbench modules that run simulations, which the reports never import.
RUNS_SIMULATIONS = ("chaosbench.sim.run.runner", "chaosbench.sim.faults", "chaosbench.sim.sweep",
                    "chaosbench.sim.difficulty", "chaosbench.sim.explore", "chaosbench.sim.workloads",
                    "chaosbench.sim.drills")

#: What each subpackage may import besides itself, named as the docstrings name them (without ``chaosbench.``):
#: the "May import" sentence of its ``__init__``, with "everything below it" spelled out.
MAY_IMPORT: dict[str, set[str]] = {
    "orchestration.core": set(),
    "orchestration.mesh": {"orchestration.core"},
    "orchestration.tasks": {"orchestration.core"},
    "orchestration.policy": {"orchestration.core", "orchestration.mesh", "orchestration.tasks"},
    "orchestration.governance": {"orchestration.core", "orchestration.tasks"},
    "orchestration.resilience": {"orchestration.core", "orchestration.mesh"},
    "sim.spec": {"orchestration"},
    "sim.checks": {"sim.spec", "orchestration"},
    "sim.workloads": {"sim.spec", "orchestration"},
    "sim.faults": {"sim.workloads", "sim.checks", "sim.spec", "orchestration"},
    "sim.scenario": {"sim.workloads", "sim.faults", "sim.checks", "sim.spec", "orchestration"},
    "sim.run": {"sim.scenario", "sim.workloads", "sim.faults", "sim.checks", "sim.spec", "orchestration"},
    "sim.parallel": set(),
    "sim.store": set(),
    "sim.difficulty": {"sim.parallel", "sim.store", "sim.run", "sim.scenario", "sim.workloads", "sim.faults",
                       "sim.checks", "sim.spec", "orchestration"},
    "sim.explore": {"sim.parallel", "sim.run", "sim.scenario", "sim.workloads", "sim.faults", "sim.checks", "sim.spec",
                    "orchestration"},
    "sim.sweep": {"sim.parallel", "sim.run", "sim.scenario", "sim.workloads", "sim.faults", "sim.checks", "sim.spec",
                  "orchestration"},
    "sim.drills": {"sim.run", "sim.scenario", "sim.workloads", "sim.faults", "sim.checks", "sim.spec",
                   "orchestration"},
    "cli": {"reports", "sim", "orchestration"},
}

MAX_LINES = 400
MAX_MODULES_PER_FOLDER = 15


@dataclass(frozen=True)
class Import:
    """One import of a chaosbench module by another."""

    source: str
    target: str
    line: int
    at_import_time: bool  # False inside a function; an import under ``if TYPE_CHECKING:`` is a dependency all the same

    def __str__(self) -> str:
        return f"{self.source} imports {self.target} (line {self.line})"


@functools.cache
def modules() -> dict[str, Path]:
    """Every module below ``chaosbench/`` by dotted name; a package by the name of its ``__init__``."""
    found = {}
    for folder, subfolders, files in os.walk(PACKAGE, followlinks=True):
        subfolders[:] = sorted(name for name in subfolders if (Path(folder) / name / "__init__.py").is_file())
        for file in sorted(files):
            if file.endswith(".py"):
                parts = Path(folder, file).relative_to(ROOT).with_suffix("").parts
                found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = Path(folder, file)
    return found


class _ImportReader(ast.NodeVisitor):
    """Collects the chaosbench imports of one module."""

    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        self.at_import_time = True
        self.found: list[Import] = []

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            parts = self.package.split(".")
            base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        for alias in node.names:
            submodule = f"{base}.{alias.name}"
            self._add(submodule if submodule in modules() else base, node)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        self._later(node.body if isinstance(node.body, list) else [node.body])

    visit_AsyncFunctionDef = visit_Lambda = visit_FunctionDef

    def _later(self, nodes: list) -> None:
        """Visit code that does not run when the module is imported."""
        outer, self.at_import_time = self.at_import_time, False
        for node in nodes:
            self.visit(node)
        self.at_import_time = outer

    def _add(self, target: str, node: ast.stmt) -> None:
        if target in modules() and target != self.name:
            self.found.append(Import(self.name, target, node.lineno, self.at_import_time))


@functools.cache
def imports() -> tuple[Import, ...]:
    """Every import of a chaosbench module by a chaosbench module."""
    found = []
    for name, path in modules().items():
        reader = _ImportReader(name, path)
        reader.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        found.extend(reader.found)
    return tuple(dict.fromkeys(found))  # one per statement, not per name imported


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def layer(module: str) -> int:
    return next((rank for rank, package in enumerate(LAYERS) if within(module, package)), FRONT_END)


@functools.cache
def packages() -> tuple[str, ...]:
    return tuple(name for name, path in modules().items() if path.name == "__init__.py")


def subpackages(package: str) -> list[str]:
    return [name for name in packages() if name.rpartition(".")[0] == package]


def child_package(module: str, package: str) -> str | None:
    """The package directly inside ``package`` that holds ``module``, if one does."""
    return next((child for child in subpackages(package) if within(module, child)), None)


def cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle of ``graph`` (``[a, b, a]``), or ``[]`` when it has none."""
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        return list(reversed(error.args[1]))
    return []


def test_the_graph_reads_the_linked_packages_and_imports_inside_functions():
    names = set(modules())
    assert {"chaosbench", "chaosbench.cli.main", "chaosbench.sim.run.runner", "chaosbench.orchestration.stack",
            "chaosbench.reports.loading"} <= names
    late = {(i.source, i.target) for i in imports() if not i.at_import_time}
    assert ("chaosbench", "chaosbench.sim.run.runner") in late  # chaosbench.run imports the runner when called


def test_no_import_cycle_between_modules_when_they_are_imported():
    graph: dict[str, set[str]] = {name: set() for name in modules()}
    for i in imports():
        if i.at_import_time:
            graph[i.source].add(i.target)
    found = cycle(graph)
    assert not found, "import cycle: " + " -> ".join(found)


@pytest.mark.parametrize("package", [name for name in packages() if len(subpackages(name)) > 1])
def test_no_import_cycle_between_the_subpackages_of(package: str):
    graph: dict[str, set[str]] = {}
    for i in imports():
        source, target = child_package(i.source, package), child_package(i.target, package)
        if source and target and source != target:
            graph.setdefault(source, set()).add(target)
    found = cycle(graph)
    assert not found, "cycle between packages: " + " -> ".join(found)


@pytest.mark.parametrize("package", LAYERS)
def test_a_layer_imports_nothing_above_it(package: str):
    upward = [str(i) for i in imports() if within(i.source, package) and layer(i.target) > layer(i.source)]
    assert not upward, "\n".join(upward)


def test_reports_imports_no_module_that_runs_a_simulation():
    wrong = [str(i) for i in imports() if within(i.source, "chaosbench.reports")
             and any(within(i.target, module) for module in RUNS_SIMULATIONS)]
    assert not wrong, "\n".join(wrong)


def test_importing_reports_loads_neither_simpy_nor_the_stack_nor_a_module_that_runs_a_simulation():
    names = [name for name in modules() if within(name, "chaosbench.reports")]
    forbidden = ("simpy", "chaosbench.orchestration", *RUNS_SIMULATIONS)
    script = (f"import importlib, sys\nfor name in {names!r}:\n    importlib.import_module(name)\n"
              f"print('\\n'.join(sorted(m for m in sys.modules if any(m == f or m.startswith(f + '.') "
              f"for f in {forbidden!r}))))")
    loaded = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            capture_output=True, text=True, check=True).stdout.split()
    assert not loaded, f"importing chaosbench.reports loads {len(loaded)} such modules: {', '.join(loaded[:8])}..."


def stated_rule(package: str) -> set[str]:
    """What the ``__init__`` docstring of ``package`` (named without ``chaosbench.``) says it may import.

    Two forms are read: "Imports nothing else of ...", and a sentence or clause starting "May import"
    that names packages in double backticks, where "those" stands for the packages named before it in
    the sentence and "X and everything below it" adds what X may import in turn.
    """
    path = modules()[f"chaosbench.{package}"]
    text = " ".join((ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or "").split())
    if re.search(r"\bImports nothing else of\b", text):
        return set()
    for sentence in re.split(r"(?<=\.) ", text):
        found = re.search(r"(?:^|[:;] )[Mm]ay import (.*)", sentence)
        if found:
            clause = found.group(1)
            rule = set(_named(clause))
            if clause.startswith("those"):
                rule |= set(_named(sentence[:found.start()]))
            below = clause.split("everything below it")
            for name in _named(below[0]) if len(below) > 1 else []:
                rule |= stated_rule(name)
            return rule
    pytest.fail(f"the docstring of chaosbench.{package} has no 'May import' sentence")


def _named(text: str) -> list[str]:
    return [name.removeprefix("chaosbench.") for name in re.findall(r"``([\w.]+)``", text)]


def test_every_subpackage_of_sim_and_orchestration_has_a_rule():
    ruled = [*subpackages("chaosbench.sim"), *subpackages("chaosbench.orchestration"), "chaosbench.cli"]
    assert {name.removeprefix("chaosbench.") for name in ruled} == set(MAY_IMPORT)


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_the_init_docstring_states_the_rule_this_test_holds(package: str):
    assert stated_rule(package) == MAY_IMPORT[package]


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_a_subpackage_imports_only_what_its_docstring_allows(package: str):
    allowed = [f"chaosbench.{name}" for name in {package} | MAY_IMPORT[package]]
    wrong = [str(i) for i in imports() if within(i.source, f"chaosbench.{package}")
             and not any(within(i.target, name) for name in allowed)]
    assert not wrong, "\n".join(wrong)


def test_first_party_code_imports_through_the_chaosbench_name():
    bare = []
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            written = [alias.name for alias in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            bare += [f"{name}: {w}" for w in written if w.split(".")[0] in ("sim", "orchestration", "reports")]
    assert not bare, "\n".join(bare)


def test_no_module_is_longer_than_the_limit():
    long = [f"{path.relative_to(ROOT)}: {lines} lines" for path in modules().values()
            if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    assert not long, f"over {MAX_LINES} lines:\n" + "\n".join(long)


def test_no_folder_of_sim_or_orchestration_holds_too_many_modules():
    crowded = []
    for top in ("sim", "orchestration"):
        for folder in [ROOT / top, *(path.parent for path in (ROOT / top).rglob("__init__.py"))]:
            count = sum(1 for path in folder.glob("*.py") if path.name != "__init__.py")
            if count > MAX_MODULES_PER_FOLDER:
                crowded.append(f"{folder.relative_to(ROOT)}: {count} modules")
    assert not crowded, "\n".join(crowded)


@pytest.mark.parametrize("bare", ["reports", "sim", "orchestration"])
def test_a_bare_package_name_does_not_import_from_outside_the_checkout(bare: str, tmp_path: Path):
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run([sys.executable, "-c", f"import {bare}"], cwd=tmp_path, env=environment,
                            capture_output=True, text=True)
    assert result.returncode != 0 and f"No module named '{bare}'" in result.stderr
