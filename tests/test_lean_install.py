"""``pip install chaosbench`` without extras runs suites and writes JUnit XML; each extra's absence is named.

The test builds chaosbench's wheel from a copy of the checkout, makes a fresh
virtual environment, links into it only the distributions the core depends on
(taken from this environment, so nothing is downloaded), installs the wheel
without dependencies, and runs the command line there.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

#: What the core must not bring along: each extra's libraries.
EXTRAS_ONLY = ("matplotlib", "jinja2", "scipy", "hypothesis", "dask", "jupyterlab", "nbconvert")


def _core_closure() -> list[metadata.Distribution]:
    """The distributions chaosbench needs without extras, and theirs, as installed here."""
    found: dict[str, metadata.Distribution] = {}
    pending = [Requirement(text) for text in metadata.requires("chaosbench") or []]
    while pending:
        requirement = pending.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = re.sub(r"[-_.]+", "-", requirement.name).lower()
        if name in found:
            continue
        found[name] = metadata.distribution(requirement.name)
        pending.extend(Requirement(text) for text in found[name].requires or [])
    return list(found.values())


def _link_core(site: Path) -> None:
    """Link every file tree of the core's distributions into ``site`` (a fresh environment's site-packages)."""
    for dist in _core_closure():
        tops = {Path(str(file)).parts[0] for file in dist.files or () if not str(file).startswith("..")}
        for top in tops:
            source = Path(str(dist.locate_file(top)))
            if source.exists() and not (site / top).exists():
                (site / top).symlink_to(source)


@pytest.fixture(scope="module")
def lean(tmp_path_factory) -> Path:
    """The bin folder of a fresh environment holding chaosbench and its core dependencies only."""
    root = tmp_path_factory.mktemp("lean")
    source = root / "src"
    shutil.copytree(ROOT, source, symlinks=True,
                    ignore=shutil.ignore_patterns(".venv", ".git", "runs", ".chaosbench", "*.egg-info", "build",
                                                  ".*_cache", "__pycache__", ".hypothesis"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(root / "dist"), str(source)], check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True)
    python = root / "venv" / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    _link_core(site)
    wheel, = (root / "dist").glob("chaosbench-*.whl")
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True)
    return root / "venv" / "bin"


def _run(lean: Path, *argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(lean / "chaosbench"), *argv], capture_output=True, text=True, cwd=cwd, env=env,
                          check=False, timeout=600)


def test_the_core_install_brings_no_extra(lean):
    for module in EXTRAS_ONLY:
        found = subprocess.run([str(lean / "python"), "-c", f"import {module}"], capture_output=True, check=False)
        assert found.returncode != 0, f"{module} came with the core install"


def test_a_suite_runs_and_writes_junit_xml_without_extras(lean, tmp_path):
    completed = _run(lean, "suite", str(ROOT / "scenarios" / "suites" / "smoke.yaml"), "--junit", "j.xml",
                     "--out", "runs", "--no-db", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert "<testsuite" in (tmp_path / "j.xml").read_text() and "Traceback" not in completed.stderr
    assert _run(lean, "report", "runs", "--md", "summary.md", cwd=tmp_path).returncode == 0
    assert _run(lean, "validate", str(ROOT / "scenarios"), cwd=tmp_path).returncode == 0


@pytest.mark.parametrize(("argv", "extra"), [
    (["report", "runs", "--html", "r.html"], "report"),
    (["explore", str(ROOT / "scenarios" / "explore" / "two_workers_tight_sla.yaml"), "--budget", "1"], "explore"),
    (["sweep", str(ROOT / "scenarios" / "baseline" / "mmc.yaml"), "--seeds", "2"], "stats"),
])
def test_a_missing_extra_is_named_in_one_line_with_exit_2(lean, tmp_path, argv, extra):
    _run(lean, "run", str(ROOT / "scenarios" / "canary" / "canary_impossible_sla.yaml"), "--out", "runs/c",
         cwd=tmp_path)
    completed = _run(lean, *argv, cwd=tmp_path)
    assert completed.returncode == 2 and "Traceback" not in completed.stderr
    assert completed.stderr.strip().splitlines()[-1].endswith(f"pip install 'chaosbench[{extra}]'")
