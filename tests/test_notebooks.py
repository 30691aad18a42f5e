"""Every notebook in notebooks/ executes top to bottom (nbclient) and draws at least one figure."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def execute(nb: nbformat.NotebookNode, cwd: Path) -> nbformat.NotebookNode:
    """Run ``nb`` in place with the python3 kernel, from ``cwd``."""
    client = NotebookClient(
        nb, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(cwd)}}
    )
    return client.execute()


def test_the_kernel_is_this_python(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import sys; sys.executable")])
    execute(nb, tmp_path)
    assert nb.cells[0].outputs[0]["data"]["text/plain"] == repr(sys.executable)


def test_the_study_notebooks_are_there():
    assert {"quickstart.ipynb", "compare_methods.ipynb"} <= {p.name for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes_and_draws(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    execute(nb, tmp_path)
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    errors = [o for o in outputs if o.get("output_type") == "error"]
    assert not errors, f"{path.name}: {errors[0]['ename']}: {errors[0]['evalue']}" if errors else ""
    assert any("image/png" in o.get("data", {}) for o in outputs), f"{path.name} drew no figure"
