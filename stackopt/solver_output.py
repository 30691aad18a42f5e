"""Whether the solvers' own output is shown, for the solve that is running (``so.solve(tee=True)``).

A context variable, set by :func:`stackopt.solve` around the method and read by the one function
that calls Pyomo's solvers (:func:`stackopt.backends.solvers.run_solver`), so that no runner has to
pass it along; each thread and each solve sees its own value.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_TEE: ContextVar[bool] = ContextVar("stackopt_tee", default=False)


@contextmanager
def solver_output(tee: bool) -> Iterator[None]:
    """Within the block, solvers print their own log (``tee``) or stay quiet."""
    token = _TEE.set(tee)
    try:
        yield
    finally:
        _TEE.reset(token)


def showing() -> bool:
    """True when the running solve asked for the solvers' own output."""
    return _TEE.get()
