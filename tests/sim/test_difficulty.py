"""Difficulty levels applied by field path."""
from __future__ import annotations

import pytest

from chaosbench.sim.scenario.levels import LadderError, apply_level


def _document(**ladder):
    return {"faults": [{"at": "60s", "trigger_storm": {"rate": "5000/s", "for": "30s"}}],
            "stack": {"htm": {"workers": 8}}, "difficulty": ladder}


def test_level_zero_changes_nothing_but_still_reads_numbers():
    document = _document(scale={"faults.0.trigger_storm.rate": 1.5})
    assert apply_level(document, 0)["faults"][0]["trigger_storm"]["rate"] == 5000.0


def test_scale_multiplies_per_level_reading_units():
    document = _document(scale={"faults.0.trigger_storm.rate": 1.5, "faults.0.trigger_storm.for": 2})
    storm = apply_level(document, 2)["faults"][0]["trigger_storm"]
    assert storm["rate"] == pytest.approx(5000 * 2.25)
    assert storm["for"] == pytest.approx(120.0)


def test_step_adds_per_level_and_counts_stay_whole():
    document = _document(step={"stack.htm.workers": -1.5})
    assert apply_level(document, 2)["stack"]["htm"]["workers"] == 5


def test_the_original_document_is_not_changed():
    document = _document(scale={"stack.htm.workers": 2})
    apply_level(document, 3)
    assert document["stack"]["htm"]["workers"] == 8


@pytest.mark.parametrize("path", ["faults.1.trigger_storm.rate", "stack.htm.wrokers", "faults.x.at"])
def test_a_rule_on_a_missing_path_is_an_error(path):
    with pytest.raises(LadderError) as caught:
        apply_level(_document(scale={path: 2}), 1)
    assert caught.value.field == f"difficulty.scale.{path}"
