"""The one canary rule: how a run's outcome counts, for every command, report and test front end.

A *canary* is a scenario that must fail, so that a suite which cannot fail
is noticed: tagged ``canary`` or named ``canary...``. A canary passes by
failing. Every run therefore has one of four verdicts, and a run is *ok*
when it passed or, for a canary, failed as it must. ``chaosbench run``,
``suite``, ``loop`` and ``report`` exit 1 when some run is not ok; JUnit
writes a canary that failed as ``<skipped type="expected-failure">`` (as
pytest writes a strict xfail) and one that passed as a failure.
"""
from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

#: The tag that makes a scenario a canary.
CANARY_TAG = "canary"
#: Why a canary's failure is expected, as JUnit and pytest show it.
CANARY_REASON = "canary: it must fail, so that a suite which cannot fail is noticed"
#: Why a canary that passed is a failure.
CANARY_PASSED_REASON = "canary passed: a suite whose canary passes cannot fail, so its other verdicts prove little"


class Verdict(StrEnum):
    """What a run's outcome means to its suite."""

    PASSED = "passed"
    FAILED = "failed"
    EXPECTED_FAILURE = "expected failure"  # a canary that failed, as it must
    CANARY_PASSED = "canary passed"  # a canary that passed: the suite cannot fail

    @property
    def ok(self) -> bool:
        """The run counts as a success: it passed, or it is a canary that failed."""
        return self in (Verdict.PASSED, Verdict.EXPECTED_FAILURE)


def is_canary(name: str, tags: Iterable[str]) -> bool:
    """The scenario named ``name`` with ``tags`` must fail: tagged ``canary`` or named ``canary...``."""
    return CANARY_TAG in tags or name.startswith(CANARY_TAG)


def verdict(passed: bool, canary: bool) -> Verdict:
    """The verdict of a run that ``passed`` (every probe and invariant held) or not."""
    if canary:
        return Verdict.CANARY_PASSED if passed else Verdict.EXPECTED_FAILURE
    return Verdict.PASSED if passed else Verdict.FAILED
