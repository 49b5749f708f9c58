"""Shared fixtures: scenario documents, a temporary working folder, and the shipped scenarios' runs."""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def _register_pandas_arrow_types() -> None:
    """Write one Parquet table, so that pandas registers its Arrow extension types with pyarrow now.

    pandas registers them once per process, when its module of them is first imported. pytester's in-process
    runs (the pytest plugin's tests) forget every module first imported inside them; had that module been one,
    the next Parquet write would import it again, pyarrow would refuse to register the types twice, and every
    later Parquet write of the session would fail.
    """
    pd.DataFrame({"x": [1]}).to_parquet(io.BytesIO())


_register_pandas_arrow_types()


def mmc_document(**overrides) -> dict:
    """A small M/M/c scenario document (c = 4, rho = 0.8) with every safeguard off."""
    document = {
        "name": "mmc_small",
        "duration": "600s",
        "warmup": "60s",
        "stack": {"safeguards": "off", "htm": {"workers": 4}},
        "workload": [{"tasks": {"rate": "3.2/s", "service": {"exponential": "1s"}}}],
        "steady_state": [{"sla_compliance": {"min": 0.9}}],
    }
    document.update(overrides)
    return document


@pytest.fixture
def write_scenario(tmp_path: Path):
    """Write a scenario document (dict or raw text) to a file and return its path."""

    def write(document: dict | str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        text = document if isinstance(document, str) else yaml.safe_dump(document, sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path

    return write
