"""``stackopt.methods()``: what can run on this machine."""

from __future__ import annotations

import importlib

from stackopt.backends.solvers import GLOBAL_SOLVERS, LOCAL_SOLVERS, available
from stackopt.backends.strategies import SOS1, STRATEGIES
from stackopt.solve import METHODS


def _importable(method: str) -> bool:
    try:
        importlib.import_module(METHODS[method].split(":")[0])
    except ImportError:
        return False
    return True


def methods() -> list[dict[str, str | None]]:
    """Every runnable (method, strategy, solver) combination, one dict per row.

    For ``method="mpec"`` each strategy is listed with each installed solver it accepts (licensed
    solvers such as Knitro and Gurobi appear only when they are usable here); other methods appear
    once, when their module imports.
    """
    rows: list[dict[str, str | None]] = []
    for method in METHODS:
        if method != "mpec":
            if _importable(method):
                rows.append({"method": method, "strategy": None, "solver": None})
            continue
        for name, cls in STRATEGIES.items():
            solvers = GLOBAL_SOLVERS if cls.exact else LOCAL_SOLVERS
            for solver in solvers:
                if cls is SOS1 and solver == "highs":
                    continue
                if available(solver):
                    rows.append({"method": method, "strategy": name, "solver": solver})
    return rows
