"""Every --json output is strict JSON: a value that is not a finite number is null, never a bare NaN."""
from __future__ import annotations

import json

from chaosbench.cli.jsonout import print_json
from chaosbench.cli.main import main
from tests.conftest import mmc_document


def strict_json(text: str):
    """``text`` parsed as RFC 8259 JSON: the words NaN, Infinity and -Infinity are refused."""

    def refuse(word: str):
        raise ValueError(f"not JSON: {word}")

    return json.loads(text, parse_constant=refuse)


def test_nan_and_infinities_are_printed_as_null(capsys):
    print_json({"nan": float("nan"), "runs": [1.5, float("inf"), -float("inf")], "nested": {"x": (float("nan"),)}})
    assert strict_json(capsys.readouterr().out) == {"nan": None, "runs": [1.5, None, None], "nested": {"x": [None]}}


def test_a_recovery_that_never_came_is_null_in_run_json(capsys, write_scenario, tmp_path):
    # Boot at once, so that no boot backlog raises the pre-fault queue the recovery is measured against.
    document = mmc_document(duration="120s", warmup="0s", steady_state=[{"recovery_time": {"max": "60s"}}],
                            faults=[{"at": "30s", "worker_dropout": {"fraction": 1.0}}],
                            stack={"safeguards": "off", "htm": {"workers": 4}, "boot": {"chunks": []}})
    main(["run", str(write_scenario(document)), "--out", str(tmp_path / "run"), "--json"])
    journal = strict_json(capsys.readouterr().out)["journal"]
    assert journal["probes"][0]["value"] is None
