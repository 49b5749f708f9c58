"""Where and when a run was made, for its journal's ``context``: host, wall-clock start, and git commit.

None of this enters the simulation or its trace digest: two runs of one
scenario, level and seed on different hosts or days have different contexts
and the same digest. Git is asked once per folder and file in a process;
without git, or outside a repository, the commit is ''.
"""
from __future__ import annotations

import functools
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

#: How long git may take to answer before the commit is left out.
_GIT_TIMEOUT = 5.0


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def host() -> str:
    """The network name of this machine ('' when it has none)."""
    return platform.node()


def scenario_commit(file: str) -> tuple[str, bool]:
    """The commit of the git repository holding ``file`` and whether ``file`` differs from it; ``('', False)``
    when the file is not in a repository (or git is not there)."""
    if not file:
        return "", False
    path = Path(file).resolve()
    commit = _head(str(path.parent))
    return (commit, _modified(str(path))) if commit else ("", False)


@functools.cache
def _head(folder: str) -> str:
    return _git(folder, "rev-parse", "HEAD")


@functools.cache
def _modified(file: str) -> bool:
    return bool(_git(str(Path(file).parent), "status", "--porcelain", "--", file))


def _git(folder: str, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", folder, *args], capture_output=True, text=True, timeout=_GIT_TIMEOUT,
                              check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""
