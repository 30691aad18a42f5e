"""SCIP solves that release the GIL, so that Pyomo can drain SCIP's output while it runs.

Pyomo's ``scip_direct`` runs ``pyscipopt.Model.optimize`` inside ``capture_output(...,
capture_fd=True)``: SCIP's file descriptor 1 goes into a pipe that a Python thread reads. pyscipopt's
``optimize`` holds the GIL for the whole solve, so that thread cannot read, and once SCIP has
written a pipe's worth (64 KB) it blocks in ``write`` for ever. ``display/verblevel`` 0 does not
prevent it: SoPlex writes its own warnings (BOLIB's gnash10 under ``sos1``: "Cannot set feasibility
tolerance to small value 1e-11 without GMP" about 7,000 times in 30 s) and the process hangs.
Inside :func:`scip_releasing_the_gil`, the Model that Pyomo builds is one whose ``optimize`` is
pyscipopt's ``optimizeNogil`` (Pyomo registers no Python plugins that SCIP would call back).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


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
