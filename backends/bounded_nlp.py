"""A compiled PyNumero NLP seen with one solve's variable bounds, row bounds and starting point.

A model compiled once is solved many times with other bounds: a follower's best response with the
other players' Vars fixed by equal bounds (``oracles/best_response.py``), a continuation's
parameter held by equal bounds and a polishing step's fixed sides (``compiled_nlp.py``). cyipopt
reads bounds and the start from the NLP object it is given; :class:`BoundedNLP` answers those
from its own arrays and delegates everything else (functions, derivatives, structure) to the
compiled NLP, which is never rebuilt.
"""

from __future__ import annotations

import numpy as np
from pyomo.contrib.pynumero.interfaces.pyomo_nlp import PyomoNLP


class BoundedNLP:
    """``nlp`` with primal bounds ``lb`` <= x <= ``ub``, start ``x0`` and, when ``rows`` =
    (lower, upper) is given, those constraint bounds; every other attribute is ``nlp``'s."""

    def __init__(
        self,
        nlp: PyomoNLP,
        lb: np.ndarray,
        ub: np.ndarray,
        x0: np.ndarray,
        rows: tuple[np.ndarray, np.ndarray] | None = None,
    ):
        self._nlp, self._lb, self._ub, self._x0 = nlp, lb, ub, x0
        _first_derivatives_at(nlp, x0)
        if rows is not None:
            self.constraints_lb = rows[0].copy
            self.constraints_ub = rows[1].copy

    def __getattr__(self, name: str) -> object:
        return getattr(self._nlp, name)

    def primals_lb(self) -> np.ndarray:
        return self._lb.copy()

    def primals_ub(self) -> np.ndarray:
        return self._ub.copy()

    def init_primals(self) -> np.ndarray:
        return self._x0.copy()


def _first_derivatives_at(nlp: PyomoNLP, x0: np.ndarray) -> None:
    """Evaluate the gradient and the Jacobian at the start ``x0``: a PyNumeroEvaluationError
    where they cannot be evaluated (sqrt(y) at y = 0). cyipopt's problem evaluates the Hessian
    there when it is built, and PyNumero's Hessian has no error return: the ASL ends the process
    (exit status 1, "can't evaluate sqrt'(0)"). A second derivative undefined where the first is
    defined (y**1.5 at y = 0) still ends it: the check cannot see that far."""
    nlp.set_primals(x0)
    nlp.evaluate_objective()  # the ASL's gradient reuses the function's sweep at the same point
    nlp.evaluate_grad_objective()
    if nlp.n_constraints():
        nlp.evaluate_constraints()
        nlp.evaluate_jacobian()
