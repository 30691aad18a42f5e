"""The regret notebook runs top to bottom (its own asserts check the exact methods and slopes)."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "bayesian_regret.ipynb"


def test_bayesian_regret_notebook_executes(tmp_path, monkeypatch):
    monkeypatch.setenv("STACKOPT_NOTEBOOK_OUT", str(tmp_path))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    for figure in ("bayesian_regret.png", "bayesian_lower_bound.png"):
        assert (tmp_path / figure).stat().st_size > 10_000
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    study = next(c for c in nb.cells if "so.compare(" in c.source)
    (slopes,) = [
        o["data"]["text/plain"] for o in study.outputs if "execute_result" in o.output_type
    ]
    assert "type-joint" in slopes and "action-linear" in slopes


@pytest.fixture(autouse=True)
def _no_writes_into_the_repo():
    before = sorted(p.name for p in NOTEBOOK.parent.iterdir())
    yield
    assert sorted(p.name for p in NOTEBOOK.parent.iterdir()) == before
