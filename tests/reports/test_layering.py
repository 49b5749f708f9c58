"""reports reads results and never runs a simulation."""
from __future__ import annotations

import subprocess
import sys

RUNNERS = ("sim.runner", "sim.faults", "sim.sweep", "sim.loop", "sim.chaos_loop", "sim.explore", "sim.batch")


def test_reports_never_imports_the_parts_of_sim_that_run_simulations():
    code = ("import sys, reports, reports.html, reports.markdown, reports.junit, reports.figures, reports.sweeps\n"
            f"print(','.join(sorted(m for m in sys.modules if m in {RUNNERS!r} or m.startswith('sim.faults'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
