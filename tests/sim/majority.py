"""Verdicts over a few seeds, decided by majority as soon as the majority is known."""
from __future__ import annotations

from collections.abc import Callable, Sequence


def holds_on_most(check: Callable[[int], bool], seeds: Sequence[int]) -> bool:
    """Whether ``check(seed)`` holds on more than half of ``seeds``; stops calling it once the answer is known."""
    needed, hits = len(seeds) // 2 + 1, 0
    for done, seed in enumerate(seeds, start=1):
        hits += check(seed)
        if hits >= needed or hits + len(seeds) - done < needed:
            break
    return hits >= needed
