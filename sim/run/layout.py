"""The run directory (DESIGN §4), defined once for the writer and every reader.

::

    runs/<scenario>/level<L>-seed<S>/
        journal.json         the run's record (:class:`sim.run.record.Journal`)
        <table>.parquet      one file per table the run recorded (:data:`TABLES`; a drill's also
                             :data:`INCIDENTS`)

A run directory is written beside its final place under a dot-named staging
name and renamed into it; the run it replaces is first renamed to a
dot-named retired name, both while holding the lock of the folder that holds it.
Readers skip everything below a dot-named folder, so they never see half a
run, and two writers of one run directory take turns.

This module only names things: it imports neither SimPy nor pandas, so every
front end and the reports can use it.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

#: The run's record.
JOURNAL = "journal.json"
#: Written first into every run directory: what marks a folder as one chaosbench may replace.
MARKER = ".chaosbench-run"
#: How a table's file name ends.
TABLE_SUFFIX = ".parquet"
#: Tables every run has.
REQUIRED_TABLES: tuple[str, ...] = ("tasks", "timeseries")
#: Every table a scenario's run may record; a run without faults, workflows or a boot sequence lacks some of them.
TABLES: tuple[str, ...] = (
    *REQUIRED_TABLES,
    "faults",
    "events",
    "workflows",
    "actions",
    "dead_letters",
    "cascades",
    "audit",
    "boot",
    "watchdog",
    "immune",
    "learning",
)
#: The table a drill adds to its run: one response record per incident (``sim.drills.records``).
INCIDENTS = "incidents"
#: Every table a run directory may hold: a scenario's, and a drill's records.
RUN_TABLES: tuple[str, ...] = (*TABLES, INCIDENTS)
#: Where run directories go unless told otherwise.
DEFAULT_ROOT = Path("runs")


def default_run_dir(scenario: str, level: int, seed: int, root: str | Path = DEFAULT_ROOT) -> Path:
    """``<root>/<scenario>/level<L>-seed<S>``."""
    return Path(root) / scenario / f"level{level}-seed{seed}"


def run_files(names: Iterable[str]) -> bool:
    """``names`` are all files a run writes (its marker, journal and tables)."""
    return set(names) <= {MARKER, JOURNAL, *(f"{name}{TABLE_SUFFIX}" for name in RUN_TABLES)}


def holds_a_run(names: Iterable[str]) -> bool:
    """A folder holding ``names`` is a run directory: it has the marker, or (written before the marker
    existed) a journal and nothing but run files."""
    names = set(names)
    return MARKER in names or (JOURNAL in names and run_files(names))


def journal_path(run_dir: str | Path) -> Path:
    """The journal file of ``run_dir``."""
    return Path(run_dir) / JOURNAL


def table_path(run_dir: str | Path, name: str) -> Path:
    """The file of table ``name`` in ``run_dir``."""
    return Path(run_dir) / f"{name}{TABLE_SUFFIX}"


def staging_prefix(run_dir: Path) -> str:
    """How the staging folder of a run being written to ``run_dir`` is named: a dot, the name, a dot."""
    return f".{run_dir.name}."


def retired_dir(run_dir: Path) -> Path:
    """Where the run that ``run_dir`` held waits while its replacement is moved in."""
    return run_dir.with_name(f".{run_dir.name}.old")

def is_hidden(path: Path, root: Path) -> bool:
    """``path`` lies below ``root`` under a dot-named folder (a run being written or retired)."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return False
    return any(part.startswith(".") for part in parts)


def find_run_dirs(root: Path) -> list[Path]:
    """``root`` itself when it is a run directory, else every run directory below it, in path order.

    A run directory is a folder holding a journal; hidden ones (see :func:`is_hidden`) are left out.
    """
    if journal_path(root).is_file():
        return [root]
    return [path.parent for path in sorted(root.rglob(JOURNAL)) if not is_hidden(path.parent, root)]
