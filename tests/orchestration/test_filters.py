"""Trigger filters: every kind, and refusal of anything that is not a payload path."""
from __future__ import annotations

import pytest

from chaosbench.orchestration.core.errors import DefinitionError
from chaosbench.orchestration.mesh.events import Event
from chaosbench.orchestration.mesh.filters import compile_filter


def ev(**payload) -> Event:
    return Event("s", 1, "kpi.metric_updated", 0.0, payload)


def test_exact_match_compares_value_and_kind():
    f = compile_filter({"field": "payload.severity", "equals": "CRITICAL"})
    assert f(ev(severity="CRITICAL")) and not f(ev(severity="critical")) and not f(ev())
    flag = compile_filter("payload.critical == true")
    assert flag(ev(critical=True)) and not flag(ev(critical=1))


def test_prefix_and_suffix_match_strings_only():
    prefix = compile_filter({"field": "payload.component_id", "prefix": "db_"})
    suffix = compile_filter({"field": "payload.component_id", "suffix": "_kernel"})
    assert prefix(ev(component_id="db_main"))
    assert not prefix(ev(component_id="api_db_")) and not prefix(ev(component_id=3))
    assert suffix(ev(component_id="ingress_kernel")) and not suffix(ev(component_id="kernel_x"))


def test_all_needs_every_part_and_any_needs_one():
    parts = ["payload.value > 10", "payload.value < 20"]
    both = compile_filter({"all": parts})
    either = compile_filter({"any": parts})
    assert both(ev(value=15)) and not both(ev(value=25))
    assert either(ev(value=25)) and either(ev(value=5))
    assert compile_filter(parts)(ev(value=15)) and not compile_filter(parts)(ev(value=5))


def test_not_inverts_its_filter():
    f = compile_filter({"not": "payload.severity == \"INFO\""})
    assert f(ev(severity="CRITICAL")) and not f(ev(severity="INFO"))


@pytest.mark.parametrize(
    "text, passing, failing",
    [
        ("payload.v > 5", 6, 5),
        ("payload.v >= 5", 5, 4.9),
        ("payload.v < 5", 4, 5),
        ("payload.v <= 5", 5.0, 5.1),
        ("payload.v != 5", 4, 5),
    ],
)
def test_numeric_comparisons_hold_exactly_at_their_bounds(text, passing, failing):
    f = compile_filter(text)
    assert f(ev(v=passing)) and not f(ev(v=failing))


def test_numeric_ops_never_hold_for_non_numbers():
    f = compile_filter({"field": "payload.v", "gt": 1})
    assert not f(ev(v="9")) and not f(ev(v=True)) and not f(ev())


def test_delta_compares_with_the_previous_value_of_the_same_key():
    f = compile_filter({"delta": {"field": "payload.score", "key": "payload.component_id", "lt": -10}})
    assert not f(ev(component_id="a", score=90))  # no previous value yet
    assert not f(ev(component_id="b", score=50))
    assert f(ev(component_id="a", score=70))  # a fell by 20
    assert not f(ev(component_id="b", score=45))  # b fell by 5 only
    assert not f(ev(component_id="a", score=65))  # a fell by 5 since 70
    size = compile_filter({"delta": {"field": "payload.score", "abs_ge": 5}})
    assert not size(ev(score=1)) and size(ev(score=6)) and not size(ev(score=7))


@pytest.mark.parametrize(
    "spec",
    [
        "__import__('os').system('true')",
        "payload.__class__ == 1",
        "payload.x() == 1",
        "payload.x == os.getcwd()",
        {"field": "payload.__dict__", "equals": 1},
        {"field": "event.__class__", "equals": 1},
        {"field": "payload.a", "matches": ".*"},
    ],
)
def test_filters_that_reach_beyond_payload_paths_are_refused(spec):
    with pytest.raises(DefinitionError):
        compile_filter(spec)
