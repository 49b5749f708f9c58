"""Seeds as people write them, one syntax for every command and the pytest plugin.

``5`` means seeds 1 to 5, ``3:9`` seeds 3 to 9 (both included), ``1,4,7``
exactly those. A seed is a whole number from 0 to :data:`MAX_SEED` (it must fit
the 64-bit columns of sweep tables); a negative seed, a seed given twice and a
reversed range are refused with a message naming what was expected.
"""
from __future__ import annotations

#: Largest seed: seeds are stored in 64-bit signed columns.
MAX_SEED = 2**63 - 1
#: Most seeds one option may name (``suite``, ``frontier``, ``ablate``, the pytest plugin).
MAX_SEEDS = 10_000

#: How a seed option is written, for help texts and messages.
SEEDS_SYNTAX = "K (seeds 1..K), A:B (A to B, both included) or A,B,C"


def parse_seed(text: str) -> int:
    """One seed: a whole number from 0 to :data:`MAX_SEED`; ValueError otherwise."""
    stripped = text.strip()
    if not stripped.lstrip("+-").isdigit():
        raise ValueError(f"expected a seed (a whole number of 0 or more), got {_shown(text)}")
    if len(stripped.lstrip("+-")) > 20:
        raise ValueError(f"expected a seed of at most {MAX_SEED:,}, got a number of {len(stripped)} digits")
    seed = int(stripped)
    if seed < 0:
        raise ValueError(f"expected a seed of 0 or more, got {seed}")
    if seed > MAX_SEED:
        raise ValueError(f"expected a seed of at most {MAX_SEED:,}, got {seed:,}")
    return seed


def parse_seeds(text: str, most: int = MAX_SEEDS) -> tuple[int, ...]:
    """The seeds ``text`` names (see the module docstring), at most ``most`` of them; ValueError otherwise."""
    text = text.strip()
    if "," in text:
        seeds = tuple(parse_seed(part) for part in text.split(","))
        repeated = sorted({seed for seed in seeds if seeds.count(seed) > 1})
        if repeated:
            raise ValueError(f"expected each seed once, got {', '.join(map(str, repeated))} twice in {_shown(text)}")
    elif ":" in text:
        first, _, last = text.partition(":")
        start, stop = parse_seed(first), parse_seed(last)
        if stop < start:
            raise ValueError(f"expected A <= B in A:B, got {_shown(text)}")
        seeds = _span(start, stop, most)
    else:
        if text.startswith("-") and text[1:].isdigit():
            raise ValueError(f"expected a seed count of 1 or more, got {text} (seeds are never negative)")
        count = parse_seed(text)
        if count < 1:
            raise ValueError(f"expected 1 or more seeds, got {count} ({SEEDS_SYNTAX})")
        seeds = _span(1, count, most)
    if len(seeds) > most:
        raise ValueError(f"expected at most {most:,} seeds, got {len(seeds):,}")
    return seeds


def _span(start: int, stop: int, most: int) -> tuple[int, ...]:
    if stop - start >= most:
        raise ValueError(f"expected at most {most:,} seeds, got {stop - start + 1:,}")
    return tuple(range(start, stop + 1))


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")
