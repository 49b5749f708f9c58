"""The far side of the hostile-input harness: runs ``chaosbench`` commands, one per line of standard input.

Started by :class:`tests.hostile.harness.Driver` under a memory limit, it reads a
case as one JSON line (``argv``, ``cwd``, ``timeout``), runs the command line in
this process (``chaosbench.cli.main.main``, as ``python -m chaosbench`` does)
with standard output and error captured, and answers one JSON line: the exit
status, what was printed, the seconds it took, and any exception that escaped
the command line (which a user would have seen as a traceback). A command that
outlives its timeout is stopped and reported as hanging.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sys
import time
import traceback


class Hang(BaseException):
    """Raised in the command when its time is up (a BaseException, so no handler of the command keeps it)."""


def _alarm(_signum, _frame):
    raise Hang


def run_case(case: dict) -> dict:
    from chaosbench.cli.main import main

    stdout, stderr = io.StringIO(), io.StringIO()
    status, escaped, hung = None, None, False
    started = time.perf_counter()
    os.chdir(case["cwd"])
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, case["timeout"])
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                status = main(case["argv"])
            except SystemExit as exc:  # argparse's usage errors
                status = exc.code if isinstance(exc.code, int) else 2
    except Hang:
        hung = True
    except BaseException:  # anything that escaped is what the harness looks for
        escaped = traceback.format_exc()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return {"status": status, "stdout": stdout.getvalue(), "stderr": stderr.getvalue(), "hung": hung,
            "escaped": escaped, "seconds": time.perf_counter() - started}


def main() -> None:
    import chaosbench.cli.main  # noqa: F401 -- imported once, before the first case is timed

    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        print(json.dumps(run_case(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
