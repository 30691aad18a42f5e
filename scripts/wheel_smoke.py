"""Use an installed stackopt from outside the repository (run by scripts/wheel_smoke.sh).

Usage: python -I wheel_smoke.py VENV NOTEBOOK. Checks that stackopt is imported from VENV, that
``so.methods()`` lists the mpec penalty / Ipopt row (the default strategy) first and names the
extra of the methods that need HiGHS (not installed there), that the Stackelberg duopoly solves to the
closed form (Fiez et al.: q0 = 46, leader profit 1058), and that NOTEBOOK executes without an error.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

import stackopt as so


def main(venv: Path, notebook: Path) -> None:
    where = Path(so.__file__).resolve()
    assert venv.resolve() in where.parents, f"stackopt imported from {where}, not from {venv}"
    rows = so.methods()
    # the default strategy first
    assert {"method": "mpec", "strategy": "penalty", "solver": "ipopt"}.items() <= rows[0].items()
    # the global extra is not installed here: the methods that need it say which extra to install
    hint = rows.missing.get("bayes-milp", "")
    assert hint.endswith("pip install 'stackopt[global]'"), rows.missing
    res = so.solve(so.models.duopoly(), method="mpec")
    assert res.status in ("optimal", "locally_optimal"), res.status
    assert abs(res.leader["q0"] - 46) < 1e-4 and abs(res.leader_objective - 1058) < 1e-3, res
    start = time.perf_counter()
    nb = nbformat.read(notebook, as_version=4)
    NotebookClient(nb, kernel_name="python3", timeout=300).execute()
    print(
        f"stackopt {so.__version__} from {where.parent}: {len(rows)} runnable rows; duopoly "
        f"{res.status} at q0 = {res.leader['q0']:.4f}; {notebook.name} ran in "
        f"{time.perf_counter() - start:.1f} s"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
