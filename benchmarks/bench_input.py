"""What the input gate costs, and what it saves.

Prints, for the shipped scenario, suite and definition files: the time to read
them through the gate (``orchestration/core/yamlfile.py``: file checks, tag and
depth pass, alias measure, duplicate-key check) against ``yaml.load`` with the
same libyaml loader, and the ratio; the time to parse a file of the largest
size accepted (512 KiB); the time to refuse a nine-level alias bomb (which
``yaml.load`` would expand to 9^9, about 3.9e8, nodes); and the cost of
validating every level of each shipped ladder against validating level 0 only.
"""
from __future__ import annotations

import time
from pathlib import Path

import yaml

from chaosbench.orchestration.core.errors import DefinitionError
from chaosbench.orchestration.core.yamlfile import MAX_FILE_BYTES, parse_yaml, read_input
from chaosbench.sim.scenario.levels import apply_level
from chaosbench.sim.scenario.loader import read_yaml, scenario_from_document
from chaosbench.sim.scenario.model import Scenario

ROOT = Path(__file__).resolve().parent.parent
REPEAT = 20
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{letter}: &{letter} [" + ", ".join([f"*{previous}"] * 9) + "]\n"
    for previous, letter in zip("abcdefgh", "bcdefghi", strict=True))


def _best(work, repeat: int = REPEAT) -> float:
    """The fastest of ``repeat`` timings of ``work()``, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    files = sorted(ROOT.glob("scenarios/**/*.yaml")) + sorted(ROOT.glob("orchestration/*/*.yaml"))
    texts = [path.read_text(encoding="utf-8") for path in files]
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    plain = _best(lambda: [yaml.load(text, Loader=loader) for text in texts])
    gated = _best(lambda: [parse_yaml(read_input(path), str(path)) for path in files])
    print(f"{len(files)} shipped YAML files: yaml.load {plain * 1e3:.2f} ms, through the gate {gated * 1e3:.2f} ms "
          f"(x{gated / plain:.2f})")

    largest = "tags: [" + "1, " * ((MAX_FILE_BYTES - 20) // 3) + "1]\n"
    seconds = _best(lambda: parse_yaml(largest, "x"), 3)
    print(f"a {len(largest) / 1024:.0f} KiB file (the largest accepted): parsed in {seconds:.2f} s")

    def refuse() -> None:
        try:
            parse_yaml(BOMB, "bomb.yaml")
        except DefinitionError:
            return
        raise AssertionError("the alias bomb was accepted")

    print(f"a nine-level alias bomb (9^9 nodes once expanded): refused in {_best(refuse) * 1e3:.2f} ms")

    scenarios = [path for path in sorted(ROOT.glob("scenarios/**/*.yaml")) if "suites" not in path.parts]
    documents = [(path, read_yaml(path)) for path in scenarios]
    level_zero = _best(lambda: [Scenario.model_validate(apply_level(doc, 0)) for _, doc in documents], 5)
    every_level = _best(lambda: [scenario_from_document(doc, path) for path, doc in documents], 1)
    levels = sum(Scenario.model_validate(doc).difficulty.max_level + 1 for _, doc in documents)
    print(f"{len(documents)} shipped scenarios, {levels} levels in all: level 0 only {level_zero * 1e3:.1f} ms, "
          f"every level {every_level * 1e3:.1f} ms (x{every_level / level_zero:.1f}, once per document and process)")


if __name__ == "__main__":
    main()
