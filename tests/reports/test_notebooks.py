"""The notebooks: stored without outputs, and each one runs from top to bottom on small runs of its own."""
from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_the_three_notebooks_ship():
    assert [path.name for path in NOTEBOOKS] == ["ladder_and_memory.ipynb", "safeguard_on_off.ipynb",
                                                 "single_run.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path: Path):
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(not cell.outputs and cell.execution_count is None for cell in code)
    sources = "\n".join(cell.source for cell in code)
    assert re.search(r"^import chaosbench$", sources, re.M) and not re.search(
        r"chaosbench\.(sim|orchestration|reports|cli)\b", sources), "each notebook uses the façade only"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_executes_and_draws_its_figures(path: Path, monkeypatch):
    # The kernel is started as `python -m ipykernel_launcher`: make that python this interpreter.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    notebook = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    elapsed = time.perf_counter() - started
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    assert any("image/png" in output.get("data", {}) for output in outputs), "no figure was drawn"
    print(f"{path.name} ran in {elapsed:.1f} s")
