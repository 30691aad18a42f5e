"""SCIP solves that release the GIL, so that Pyomo can drain SCIP's output while it runs.

Pyomo's ``scip_direct`` runs ``pyscipopt.Model.optimize`` inside ``capture_output(...,
capture_fd=True)``: SCIP's file descriptor 1 goes into a pipe that a Python thread reads. pyscipopt's
``optimize`` holds the GIL for the whole solve, so that thread cannot read, and once SCIP has
written a pipe's worth (64 KB) it blocks in ``write`` for ever. ``display/verblevel`` 0 does not
prevent it: SoPlex writes its own warnings (BOLIB's gnash10 under ``sos1``: "Cannot set feasibility
tolerance to small value 1e-11 without GMP" about 7,000 times in 30 s) and the process hangs.
Inside :func:`scip_releasing_the_gil`, the Model that Pyomo builds is one whose ``optimize`` is
pyscipopt's ``optimizeNogil`` (Pyomo registers no Python plugins that SCIP would call back).

:func:`scip_with_incumbent` is Pyomo's ``scip_direct`` handing SCIP the model's values as a complete
solution. Pyomo's own warm start (``warmstart_discrete_vars``) passes the integer Vars alone, as a
partial solution: an SOS1 reformulation, which has none, would get nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pyomo.environ as pyo


@contextmanager
def scip_releasing_the_gil() -> Iterator[None]:
    """While inside, ``pyscipopt.Model()`` (what Pyomo's ``scip_direct`` calls) builds a Model
    whose ``optimize`` releases the GIL. Callers hold :data:`stackopt.backends.solvers.SOLVER_CALL`."""
    import pyscipopt

    class NogilModel(pyscipopt.Model):
        def optimize(self) -> None:
            self.optimizeNogil()

    original = pyscipopt.Model
    # setattr: replacing a class of the module (mypy refuses an assignment to a type)
    setattr(pyscipopt, "Model", NogilModel)  # noqa: B010
    try:
        yield
    finally:
        setattr(pyscipopt, "Model", original)  # noqa: B010


@functools.cache
def _with_incumbent() -> type:
    """The class of Pyomo's ``scip_direct`` solver whose warm start is the complete solution."""
    base: Any = type(pyo.SolverFactory("scip_direct"))

    class ScipWithIncumbent(base):
        """``scip_direct`` whose ``_mipstart`` (Pyomo's warm start) is the complete solution."""

        #: whether SCIP's own check of the start (against the original problem) accepted it
        start_accepted: bool | None = None

        def _mipstart(self) -> None:
            """Every Var's value, and the objective's Var (Pyomo's epigraph of the objective) at
            the objective's value; added when SCIP's own check accepts it."""
            scip = self._solver_model
            sol = scip.createSol()
            for var, scip_var in self._pyomo_var_to_solver_var_map.items():
                if var.value is not None:
                    scip.setSolVal(sol, scip_var, var.value)
            if self._objective is not None:
                scip.setSolVal(sol, self._obj_var, pyo.value(self._objective.expr))
            self.start_accepted = scip.checkSol(sol, printreason=False, original=True)
            if self.start_accepted:
                scip.addSol(sol)
            else:
                scip.freeSol(sol)

    return ScipWithIncumbent


def scip_with_incumbent() -> Any:
    """Pyomo's ``scip_direct`` (legacy interface) that hands SCIP the model's current values as a
    complete solution, before SCIP's presolve (module docstring); its ``start_accepted`` then
    says whether SCIP's check of that solution accepted it."""
    solver = _with_incumbent()()
    solver.config.warmstart_discrete_vars = True
    return solver
