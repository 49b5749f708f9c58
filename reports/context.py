"""The context of a report's runs, as the top of a report states it: versions, commits, hosts, times, seeds."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chaosbench.reports.loading import RunRecord


@dataclass(frozen=True)
class RunsContext:
    """What the runs of a report were made with, where and when.

    ``commits`` are the git commits of the scenarios' repositories (a ``+``
    marks a scenario file that differed from its commit); ``started`` and
    ``finished`` the first run's start and the last run's end, wall clock, UTC;
    ``wall_time_s`` the runs' wall time added up.
    """

    versions: tuple[str, ...]
    commits: tuple[str, ...]
    hosts: tuple[str, ...]
    started: str
    finished: str
    wall_time_s: float
    seeds: tuple[int, ...]
    levels: tuple[int, ...]

    @property
    def modified(self) -> bool:
        """Some run's scenario file differed from the commit named."""
        return any(commit.endswith("+") for commit in self.commits)

    @property
    def seed_text(self) -> str:
        """``1-3``, ``1, 4, 9``: the seeds, as a range when they are one."""
        return _span(self.seeds)

    @property
    def level_text(self) -> str:
        return _span(self.levels)


def runs_context(runs: list[RunRecord]) -> RunsContext:
    """The context of ``runs`` (empty fields when a journal does not say)."""
    journals = [run.journal for run in runs]
    commits = sorted({j.context.git_commit[:12] + ("+" if j.context.git_dirty else "")
                      for j in journals if j.context.git_commit})
    times = sorted((start, j.wall_time_s) for j in journals if (start := _when(j.context.started_at)) is not None)
    started = times[0][0].isoformat(timespec="seconds") if times else ""
    finished = max((start.timestamp() + wall for start, wall in times), default=None)
    return RunsContext(
        versions=tuple(sorted({j.versions.get("chaosbench", "unknown") for j in journals})),
        commits=tuple(commits),
        hosts=tuple(sorted({j.context.host for j in journals if j.context.host})),
        started=started,
        finished=datetime.fromtimestamp(finished, times[0][0].tzinfo).isoformat(timespec="seconds")
        if finished is not None and times else "",
        wall_time_s=float(sum(j.wall_time_s for j in journals)),
        seeds=tuple(sorted({j.seed for j in journals})),
        levels=tuple(sorted({j.level for j in journals})),
    )


def _when(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _span(numbers: tuple[int, ...]) -> str:
    if not numbers:
        return ""
    # Consecutive numbers (they come sorted and distinct) span their ends; compared without building the range,
    # which for a loop's far-apart seeds would not fit in memory.
    if len(numbers) > 2 and numbers[-1] - numbers[0] == len(numbers) - 1:
        return f"{numbers[0]}-{numbers[-1]}"
    return ", ".join(map(str, numbers))
