"""The template renderer: payload paths only."""
from __future__ import annotations

import pytest

from chaosbench.orchestration.core.errors import DefinitionError
from chaosbench.orchestration.mesh.events import Event
from chaosbench.orchestration.mesh.templates import compile_template

EVENT = Event("monitor", 7, "kpi.threshold_breach", 1.5, {"component_id": "db", "value": 3.5, "nested": {"k": [1, 2]}})


def test_a_whole_placeholder_keeps_the_value_and_text_placeholders_become_text():
    render = compile_template({
        "component": "{{ payload.component_id }}",
        "value": "{{payload.value}}",
        "deep": "{{ payload.nested.k }}",
        "text": "{{ payload.component_id }} at {{ payload.value }} ({{ event.source }})",
        "fixed": [1, "two", None],
    })
    assert render(EVENT) == {
        "component": "db", "value": 3.5, "deep": [1, 2], "text": "db at 3.5 (monitor)", "fixed": [1, "two", None],
    }


def test_a_missing_path_renders_as_none_or_empty_text():
    render = compile_template({"a": "{{ payload.absent }}", "b": "x{{ payload.absent.deeper }}y"})
    assert render(EVENT) == {"a": None, "b": "xy"}


@pytest.mark.parametrize(
    "template",
    [
        "{{ payload.__class__ }}",
        "{{ __import__('os') }}",
        "{{ payload.component_id.upper() }}",
        "{{ payload['component_id'] }}",
        "{{ self }}",
        "{{ payload._private }}",
        "{{ payload.a }",
    ],
)
def test_templates_that_try_to_reach_code_are_refused_at_compile_time(template):
    with pytest.raises(DefinitionError, match="refused|unbalanced"):
        compile_template({"p": template})
