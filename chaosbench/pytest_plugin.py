"""pytest plugin: scenario files as test items, so ``pytest scenarios/`` runs them with pytest's own reporting.

A YAML file is collected only when pytest is pointed at it or at a folder
holding it on the command line (never through ``testpaths``, and never below
the project's ``tests/`` folder, whose YAML is test data); suite files are
not scenarios and are skipped. An incident file (a drill, in a ``drills``
folder) gives one item per seed, named ``<drill>[seed<S>]``, which passes when
every incident was detected and healed in time and fails with the incident
table and the command that reproduces it; drills run as written (the level
and ``--chaos-without`` are for scenarios). Each scenario file gives one item per seed,
named ``<scenario>[level<L>-seed<S>]``, so ``-k`` selects by scenario, level
or seed, and ``--junitxml`` reports each run. Each tag of a scenario is a
marker (``-m "layer2 and not slow"``); a scenario expected to cause more than
:data:`SLOW_EVENTS` simulation events is marked ``slow`` as well.

A failing run fails its item with the probe table and the command that
reproduces it, and its run directory is kept below pytest's temporary folder
(``tmp_path``), its path printed; a file that cannot be loaded fails with
every problem the loader found, each with its line. A canary (tagged
``canary`` or named ``canary...``) is a strict expected failure: it shows as
xfailed when it fails, and fails the session when it passes. The plugin works
under pytest-xdist (``-n 2``): each run is independent.

Options: ``--chaos-seed`` (seeds as every chaosbench command writes them: ``3``
for 1..3, ``3:9``, ``1,4,7``; repeatable, default 1), ``--chaos-level``
(default 0), ``--chaos-out`` (write each run directory below this folder),
``--chaos-without`` (repeatable: turn this safeguard off by name, ``all`` for
every one, in every run; the reproduce command carries it), ``--chaos-html``
(the HTML report of every run of the session).
"""
from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from chaosbench.reports.drills import text_table
from chaosbench.reports.junit import failure_message, failure_text
from chaosbench.sim.checks.safeguards import check_safeguard, safeguards_off
from chaosbench.sim.drills.model import load_drill
from chaosbench.sim.drills.runner import DrillResult, run_drill
from chaosbench.sim.run.layout import default_run_dir
from chaosbench.sim.run.record import Journal, RunResult
from chaosbench.sim.run.rundir import write_run
from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.run.seeds import parse_seeds
from chaosbench.sim.run.verdict import CANARY_REASON, is_canary
from chaosbench.sim.scenario.budget import expected_events
from chaosbench.sim.scenario.discovery import YAML_SUFFIXES, is_drill, is_suite
from chaosbench.sim.scenario.loader import ScenarioError, load_scenario, read_yaml, scenario_from_document
from chaosbench.sim.scenario.overrides import scenario_at
from chaosbench.sim.spec.extras import MissingExtra, require

if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr, TracebackStyle

#: Simulation events above which a scenario is marked ``slow`` (a second or more of simulation).
SLOW_EVENTS = 250_000
#: The user property naming a run's directory, read back by the session (also across xdist workers).
RUN_DIR = "chaos_run_dir"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("chaosbench", "chaosbench scenario files")
    group.addoption("--chaos-seed", type=_seeds, action="append", dest="chaos_seeds", metavar="SEEDS",
                    help="seeds of each scenario: K (1..K), A:B or A,B,C; repeatable (default 1)")
    group.addoption("--chaos-level", type=int, default=0, dest="chaos_level", metavar="LEVEL",
                    help="difficulty level of every scenario run (default 0)")
    group.addoption("--chaos-out", default=None, dest="chaos_out", metavar="DIR",
                    help="write each run directory below DIR as <scenario>/level<L>-seed<S>")
    group.addoption("--chaos-without", type=_safeguard, action="append", default=[], dest="chaos_without",
                    metavar="NAME", help="turn this safeguard off in every run, 'all' for every one (repeatable)")
    group.addoption("--chaos-html", default=None, dest="chaos_html", metavar="FILE",
                    help="write the HTML report of every scenario run of the session to FILE")


def _seeds(text: str) -> tuple[int, ...]:
    try:
        return parse_seeds(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _safeguard(text: str) -> str:
    try:
        return check_safeguard(text, option="--chaos-without", allow_all=True)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--chaos-without: ")) from None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"slow: a scenario expected to cause more than {SLOW_EVENTS:,} events")
    html = config.getoption("chaos_html")
    if html:
        for module in ("jinja2", "matplotlib"):
            try:
                require(module, "report", "--chaos-html")
            except MissingExtra as exc:
                raise pytest.UsageError(str(exc)) from None
    if html and not hasattr(config, "workerinput"):  # an xdist worker sends its reports to the controller
        config.pluginmanager.register(SessionReport(html), "chaosbench-session-report")


def session_seeds(config: pytest.Config) -> list[int]:
    """Every seed the ``--chaos-seed`` options name, in order, each once (seed 1 when none is given)."""
    seeds = [seed for group in config.getoption("chaos_seeds") or [(1,)] for seed in group]
    return list(dict.fromkeys(seeds))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix in YAML_SUFFIXES and _asked_for(file_path, parent.config):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


def _asked_for(path: Path, config: pytest.Config) -> bool:
    """Named on the command line (itself or a folder above it), and not test data below ``<rootdir>/tests``."""
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        return False
    if path.is_relative_to(config.rootpath / "tests"):
        return False
    named = [Path(config.invocation_params.dir, arg.split("::")[0]).resolve() for arg in config.args]
    path = path.resolve()
    return any(path == target or path.is_relative_to(target) for target in named)


class ScenarioFile(pytest.File):
    """One scenario file: an item per seed, marked with the scenario's tags; nothing for a suite file."""

    def collect(self) -> Iterator[pytest.Item]:
        try:
            document = read_yaml(self.path)
        except ScenarioError:
            document = None  # the item reports the problem when it runs
        if is_suite(document):
            return
        fields = document if isinstance(document, dict) else {}
        named, tagged = fields.get("name"), fields.get("tags")
        name = named if isinstance(named, str) else self.path.stem
        tags = [tag for tag in tagged if isinstance(tag, str)] if isinstance(tagged, list) else []
        markers = [*tags, *(["slow"] if self._slow(document) else [])]
        for tag in tags:
            self.config.addinivalue_line("markers", f"{tag}: scenarios tagged {tag}")
        level = self.config.getoption("chaos_level")
        if is_drill(self.path, document):
            for seed in session_seeds(self.config):
                yield DrillItem.from_parent(self, name=f"{name}[seed{seed}]", seed=seed)
            return
        for seed in session_seeds(self.config):
            item = ScenarioItem.from_parent(self, name=f"{name}[level{level}-seed{seed}]", seed=seed, level=level)
            for marker in markers:
                item.add_marker(getattr(pytest.mark, marker))
            if is_canary(name, tags):
                item.add_marker(pytest.mark.xfail(raises=ScenarioFailed, strict=True, reason=CANARY_REASON))
            yield item

    def _slow(self, document: Any) -> bool:
        try:
            return expected_events(scenario_from_document(document, self.path)) > SLOW_EVENTS
        except ScenarioError:
            return False


class ScenarioFailed(Exception):
    """A scenario run whose probes or invariants did not hold."""

    def __init__(self, journal: Journal, run_dir: Path) -> None:
        super().__init__(journal.reproduce)
        self.journal = journal
        self.run_dir = run_dir


class ScenarioItem(pytest.Item):
    """One run of a scenario file at the session's level with one seed."""

    def __init__(self, *, seed: int, level: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seed, self.level = seed, level

    def runtest(self) -> None:
        file = self._file_label()
        without = safeguards_off(self.config.getoption("chaos_without"))
        if without:
            scenario = scenario_at(read_yaml(self.path), (), file, self.level, without)
        else:
            scenario = load_scenario(self.path, self.level)
        result = run_scenario(scenario, seed=self.seed, level=self.level, file=file, without=without)
        run_dir = self._keep(result)
        self.user_properties.append(("trace_digest", result.journal.trace_digest))
        if run_dir is not None:
            self.user_properties.append((RUN_DIR, str(run_dir)))
        if not result.passed:
            raise ScenarioFailed(result.journal, run_dir or self._kept_dir(result))

    def _keep(self, result: RunResult) -> Path | None:
        """Write the run where the session asked for it (``--chaos-out``), or below the temporary folder when
        the session's report needs it; None when nobody asked."""
        out = self.config.getoption("chaos_out")
        journal = result.journal
        if out:
            return write_run(result, default_run_dir(journal.scenario, self.level, self.seed, out))
        if self.config.getoption("chaos_html"):
            return self._kept_dir(result)
        return None

    def _kept_dir(self, result: RunResult) -> Path:
        """The run written below pytest's temporary folder (kept, as pytest keeps its last few)."""
        factory: pytest.TempPathFactory = self.config._tmp_path_factory  # type: ignore[attr-defined]
        folder = factory.mktemp(f"{result.journal.scenario}-level{self.level}-seed{self.seed}", numbered=True)
        return write_run(result, folder / "run")

    def _file_label(self) -> str:
        """The file as the reproduce command should name it: relative to where pytest was started, if below it."""
        path, start = self.path.resolve(), self.config.invocation_params.dir.resolve()
        return str(path.relative_to(start)) if path.is_relative_to(start) else str(path)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: TracebackStyle | None = None) -> str | TerminalRepr:
        if isinstance(excinfo.value, ScenarioFailed):
            journal = excinfo.value.journal
            return (f"{self.name} failed: {failure_message(journal)}\n{failure_text(journal)}\n"
                    f"run directory: {excinfo.value.run_dir}")
        if isinstance(excinfo.value, ScenarioError):
            return f"{self.path} cannot be loaded:\n{excinfo.value.render()}"
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, None, str]:
        return self.path, None, f"scenario {self.name}"


class DrillFailed(Exception):
    """A drill with an incident that was not detected and healed in time (or a broken invariant)."""

    def __init__(self, result: DrillResult) -> None:
        super().__init__(result.journal.reproduce)
        self.result = result


class DrillItem(ScenarioItem):
    """One run of an incident file with one seed."""

    def __init__(self, *, seed: int, **kwargs: Any) -> None:
        super().__init__(seed=seed, level=0, **kwargs)

    def runtest(self) -> None:
        drill = load_drill(self.path)
        result = run_drill(drill, seed=self.seed, file=self._file_label())
        out = self.config.getoption("chaos_out")
        if out:
            write_run(result.run, default_run_dir(drill.name, 0, self.seed, out))
        self.user_properties.append(("trace_digest", result.journal.trace_digest))
        if not result.passed:
            raise DrillFailed(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: TracebackStyle | None = None) -> str | TerminalRepr:
        if isinstance(excinfo.value, DrillFailed):
            result = excinfo.value.result
            findings = "\n".join(result.journal.findings)
            return (f"{self.name} failed:\n{findings}\n{text_table(result.incidents)}\n"
                    f"reproduce: {result.journal.reproduce}")
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, None, str]:
        return self.path, None, f"drill {self.name}"


class SessionReport:
    """The run directories of the session, gathered for ``--chaos-html`` and written at its end.

    Registered on the controlling process: under xdist it receives every worker's reports with their user
    properties, and the workers write nothing themselves.
    """

    def __init__(self, html: str) -> None:
        self.html = html
        self.run_dirs: list[str] = []
        self.written = ""

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call":
            self.run_dirs.extend(str(value) for name, value in report.user_properties if name == RUN_DIR)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        run_dirs = sorted(set(self.run_dirs))
        if not run_dirs:
            return
        from chaosbench.reports import write_reports

        write_reports(run_dirs, html=self.html)
        self.written = f"chaosbench: HTML report of {len(run_dirs)} run(s): {self.html}"

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.written:
            terminalreporter.write_line(self.written)
