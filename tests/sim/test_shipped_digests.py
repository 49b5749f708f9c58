"""Every shipped scenario keeps the trace digest recorded for it (level 0, seed 1).

A change that alters behaviour on purpose re-records the file in the same commit:
``CHAOSBENCH_RECORD_DIGESTS=1 pytest tests/sim/test_shipped_digests.py``. The scenarios of the default suite
and its canary are checked in the session's shared suite runs (run directories written by ``chaosbench
suite``, their tables streamed); the others in the session's shared in-memory runs.
``tests/sim/test_streaming.py`` holds both ways to the same digest.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from chaosbench.sim.run.rundir import read_journal
from chaosbench.sim.run.runner import run_scenario
from chaosbench.sim.scenario.discovery import load_suite
from chaosbench.sim.scenario.loader import load_scenario
from tests.conftest import CANARY_SUITE, ROOT, SharedRuns, ShippedSuite

RECORDED = Path(__file__).parent / "data" / "shipped_digests.json"
SHIPPED = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "scenarios").rglob("*.yaml")
                 if "suites" not in path.parts and "drills" not in path.parts)
IN_THE_SUITE = set(load_suite(CANARY_SUITE)[1])


def _digest(file: str) -> str:
    return run_scenario(load_scenario(str(ROOT / file), 0), seed=1, level=0, file=file).journal.trace_digest


@pytest.mark.skipif(not os.environ.get("CHAOSBENCH_RECORD_DIGESTS"), reason="records digests only when asked")
def test_record_digests() -> None:
    RECORDED.write_text(json.dumps({file: _digest(file) for file in SHIPPED}, indent=1, sort_keys=True) + "\n")


def _recorded(file: str) -> str:
    recorded = json.loads(RECORDED.read_text())
    assert file in recorded, f"{file} has no recorded digest; record it (see the module docstring)"
    return recorded[file]


@pytest.mark.parametrize("file", [file for file in SHIPPED if ROOT / file in IN_THE_SUITE])
def test_a_scenario_of_the_suite_keeps_its_recorded_trace_digest(file: str, shipped_suite: ShippedSuite) -> None:
    run_dir = shipped_suite.run_dir(load_scenario(str(ROOT / file), 0).name)
    assert read_journal(run_dir).trace_digest == _recorded(file)


@pytest.mark.parametrize("file", [file for file in SHIPPED if ROOT / file not in IN_THE_SUITE])
def test_a_scenario_outside_the_suite_keeps_its_recorded_trace_digest(file: str, shared_runs: SharedRuns) -> None:
    assert shared_runs.journal(ROOT / file, seed=1).trace_digest == _recorded(file)
