"""Hypothesis strategies for hostile scenario files: valid ones, near-valid ones, and YAML that is barely YAML.

:func:`scenario_texts` draws a scenario document from parts that are mostly
sane (so that many examples validate and run) and sometimes extreme (NaN,
infinities, huge and negative numbers, odd units, unicode, names with path
characters), then may break it as a document (a key dropped or misspelt, a
value nested hundreds deep) and as text (a duplicate key, an alias bomb, a
tag, bytes that are not UTF-8).
"""
from __future__ import annotations

import yaml
from hypothesis import strategies as st

from chaosbench.sim.faults import FAULTS

EXTREME_NUMBERS = st.sampled_from([float("nan"), float("inf"), float("-inf"), 0, -1, -0.0, 1e308, 5e-324,
                                   10**30, -(10**30), 2**63, True, None, "", "1e999", "NaN", ".inf"])
UNITS = st.sampled_from(["ms", "s", "m", "min", "h", "d", "fortnights", "", "S", "/s", "µs"])
RATE_UNITS = st.sampled_from(["/s", "/min", "/h", "/d", "/fortnight", "", "s"])
ODD_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
NAMES = st.one_of(st.from_regex(r"[a-z0-9][a-z0-9_\-]{0,20}", fullmatch=True), st.just("mmc\n"),
                  st.sampled_from(["../x", "a/b", "..", "-", "x" * 200, "Ünïcode", "a b", "CON", "nul\x00"]),
                  ODD_TEXT)


def _sometimes(sane: st.SearchStrategy, odd: st.SearchStrategy) -> st.SearchStrategy:
    """Mostly ``sane``, one time in six ``odd``."""
    return st.one_of(sane, sane, sane, sane, sane, odd)


def durations(low: float = 0.5, high: float = 30.0) -> st.SearchStrategy:
    sane = st.one_of(st.floats(low, high).map(lambda x: round(x, 3)),
                     st.integers(int(low) + 1, int(high)).map(lambda x: f"{x}s"))
    odd = st.one_of(EXTREME_NUMBERS, st.builds(lambda x, unit: f"{x}{unit}", st.floats(allow_nan=True), UNITS),
                    ODD_TEXT)
    return _sometimes(sane, odd)


def rates(high: float = 20.0) -> st.SearchStrategy:
    sane = st.one_of(st.floats(0.1, high).map(lambda x: round(x, 3)),
                     st.integers(1, int(high)).map(lambda x: f"{x}/s"))
    odd = st.one_of(EXTREME_NUMBERS, st.builds(lambda x, unit: f"{x}{unit}", st.floats(allow_nan=True),
                                               RATE_UNITS), ODD_TEXT)
    return _sometimes(sane, odd)


def fractions() -> st.SearchStrategy:
    return _sometimes(st.floats(0, 1).map(lambda x: round(x, 3)), EXTREME_NUMBERS)


def counts(high: int = 20) -> st.SearchStrategy:
    return _sometimes(st.integers(1, high), st.one_of(EXTREME_NUMBERS, st.integers()))


def task_workloads() -> st.SearchStrategy:
    return st.fixed_dictionaries(
        {"rate": rates(), "service": st.one_of(st.fixed_dictionaries({"exponential": durations(0.1, 2)}),
                                               st.fixed_dictionaries({"deterministic": durations(0.1, 2)}),
                                               st.fixed_dictionaries({"uniform": st.fixed_dictionaries(
                                                   {"low": durations(0.1, 1), "high": durations(1, 2)})}))},
        optional={"priority_mix": st.sampled_from([{"normal": 1.0}, {"critical": 0.5, "low": 0.5},
                                                   {"high": 0.3, "normal": 0.3, "low": 0.3}, {"urgent": 1.0}]),
                  "sla": st.dictionaries(st.sampled_from(["critical", "high", "normal", "low", "CRITICAL", "x"]),
                                         durations(1, 600), max_size=3),
                  "start": durations(0, 10), "origin": ODD_TEXT})


def event_workloads() -> st.SearchStrategy:
    types = st.sampled_from([{"kpi.threshold_breach": 1.0}, {"kpi.threshold_breach": 0.5, "kpi.metric_updated": 0.5},
                             {"db.table_updated": 1.0}, {"no.such_event": 1.0}])
    return st.fixed_dictionaries({"rate": rates(50), "types": types},
                                 optional={"sources": counts(100), "duplicate_fraction": fractions(),
                                           "payloads": st.just({"kpi.threshold_breach": {
                                               "severity": {"choice": ["CRITICAL", "WARNING"]}}})})


def faults() -> st.SearchStrategy:
    params = {
        "worker_dropout": st.fixed_dictionaries({"fraction": fractions()}, optional={"restart_after": durations()}),
        "scheduler_pause": st.fixed_dictionaries({"for": durations(1, 10)}),
        "queue_flood": st.fixed_dictionaries({"count": counts(200)}, optional={"over": durations(1, 5)}),
        "trigger_storm": st.fixed_dictionaries({"rate": rates(200), "for": durations(1, 5)}),
        "kernel_crash": st.fixed_dictionaries({"kernel": st.sampled_from(["hunter", "governance", "nope"]),
                                               "for": durations(1, 10)}),
        "message_loss": st.fixed_dictionaries({"probability": fractions(), "for": durations(1, 10)}),
        "resource_siege": st.fixed_dictionaries({"cpu": counts(100), "for": durations(1, 10)}),
    }
    assert set(params) <= set(FAULTS)
    return st.one_of(*(st.fixed_dictionaries({"at": durations(0, 15), kind: strategy})
                       for kind, strategy in params.items()))


def probes() -> st.SearchStrategy:
    return st.one_of(st.fixed_dictionaries({"sla_compliance": st.fixed_dictionaries({"min": fractions()})}),
                     st.fixed_dictionaries({"latency": st.fixed_dictionaries({"quantile": fractions(),
                                                                              "max": durations()})}),
                     st.fixed_dictionaries({"recovery_time": st.fixed_dictionaries({"max": durations()})}),
                     st.fixed_dictionaries({"throughput": st.fixed_dictionaries({"min": rates()})}))


STACK_SETTINGS = {
    "htm": st.fixed_dictionaries({"workers": counts(16)}),
    "sample_interval": durations(0.5, 5),
    "health": st.fixed_dictionaries({"interval": durations(0.5, 5), "smoothing": fractions()}),
    "watchdog": st.fixed_dictionaries({"interval": durations(1, 30)}),
    "pool": st.fixed_dictionaries({"restart_delay": durations(1, 30)}),
    "safeguards": st.sampled_from(["on", "off", True, False, "maybe"]),
    "intents": st.fixed_dictionaries({"voters": counts(9), "quorum": counts(9)}),
}


def scenario_documents() -> st.SearchStrategy:
    return st.fixed_dictionaries(
        {"name": _sometimes(st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True), NAMES),
         "duration": durations(10, 40)},
        optional={
            "title": ODD_TEXT, "tags": st.lists(ODD_TEXT, max_size=3), "warmup": durations(0, 5),
            "settle": durations(5, 60),
            "workload": st.lists(st.one_of(st.fixed_dictionaries({"tasks": task_workloads()}),
                                           st.fixed_dictionaries({"events": event_workloads()})), max_size=2),
            "faults": st.lists(faults(), max_size=3), "steady_state": st.lists(probes(), max_size=3),
            "stack": st.fixed_dictionaries({}, optional=STACK_SETTINGS),
            "difficulty": st.fixed_dictionaries({}, optional={
                "max_level": counts(4), "escalate_after": counts(5),
                "scale": st.dictionaries(st.sampled_from(["workload.0.tasks.rate", "stack.htm.workers", "duration",
                                                          "faults.0.at", "nowhere"]),
                                         st.one_of(st.floats(0.5, 3), EXTREME_NUMBERS), max_size=2)}),
            "expect_safeguards": st.lists(st.sampled_from(["dedup", "retry", "load_shedder", "seatbelt"]),
                                          max_size=2),
        })


@st.composite
def broken_documents(draw: st.DrawFn) -> object:
    """A scenario document, sometimes with a key dropped or misspelt or a value buried deep in lists."""
    document = draw(scenario_documents())
    how = draw(st.sampled_from(["as drawn", "as drawn", "as drawn", "drop", "misspell", "bury", "replace"]))
    keys = sorted(document)
    key = draw(st.sampled_from(keys))
    if how == "drop":
        del document[key]
    elif how == "misspell":
        document[key[::-1] + "x"] = document.pop(key)
    elif how == "bury":
        buried = document[key]
        for _ in range(draw(st.integers(30, 120))):
            buried = [buried]
        document[key] = buried
    elif how == "replace":
        document[key] = draw(st.one_of(EXTREME_NUMBERS, ODD_TEXT, st.lists(st.integers(), max_size=3)))
    return document


BOMB = ("bomb0: &b0 [x, x, x, x, x, x, x, x, x]\n"
        + "".join(f"bomb{i}: &b{i} [" + ", ".join([f"*b{i - 1}"] * 9) + "]\n" for i in range(1, 9)))


@st.composite
def scenario_texts(draw: st.DrawFn) -> bytes:
    """A scenario file's bytes: a drawn document as YAML, sometimes broken as text."""
    text = yaml.safe_dump(draw(broken_documents()), sort_keys=False, allow_unicode=True)
    how = draw(st.sampled_from(["as written"] * 6 + ["duplicate key", "alias bomb", "tag", "latin-1", "nul",
                                                       "deep flow", "truncated"]))
    if how == "duplicate key":
        text += "name: again\n"
    elif how == "alias bomb":
        text += BOMB
    elif how == "tag":
        text = text.replace(": ", ": !!python/object/apply:os.getcwd [] #", 1)
    elif how == "nul":
        text = text.replace("\n", "\x00\n", 1)
    elif how == "deep flow":
        text += "extra: " + "[" * 5000 + "]" * 5000 + "\n"
    elif how == "truncated":
        text = text[: draw(st.integers(0, len(text)))]
    if how == "latin-1":
        return text.encode("utf-8") + "title2: café\n".encode("latin-1")
    return text.encode("utf-8", "surrogatepass")
