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

from stackopt.asl_functions import inside


class BoundedNLP:
    """``nlp`` with primal bounds ``lb`` <= x <= ``ub``, start ``x0`` (clipped to the bounds, and
    moved inside an open box where it sits on a bound: :func:`_first_derivatives_at`; give Ipopt
    ``init_primals()``) and, when ``rows`` = (lower, upper) is given, those constraint bounds;
    every other attribute is ``nlp``'s."""

    def __init__(
        self,
        nlp: PyomoNLP,
        lb: np.ndarray,
        ub: np.ndarray,
        x0: np.ndarray,
        rows: tuple[np.ndarray, np.ndarray] | None = None,
    ):
        self._nlp, self._lb, self._ub = nlp, lb, ub
        # cyipopt's problem takes the NLP's objective factor for 1 and sets it only where Ipopt
        # asks for another: a reused NLP would weight this solve's objective Hessian by the last
        # solve's factor (Ipopt's objective scaling, 1/15 after the penalty's rho = 10 on
        # MacMPEC gnash14)
        nlp.set_obj_factor(1.0)
        self._x0 = inside(np.clip(x0, lb, ub), lb, ub)
        _first_derivatives_at(nlp, self._x0)
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
    where they cannot be evaluated (sqrt(y) at y = 1e-12 is fine; at a y fixed at 0 it is not).
    cyipopt's problem evaluates the Hessian there when it is built, and PyNumero's Hessian has no
    error return: the ASL would end the process (exit status 1, "can't evaluate sqrt'(0)"). The
    ASL forms the second derivatives with the first, so an undefined second derivative fails here
    too. The start's Vars at a bound of an open box are moved inside it first
    (:func:`stackopt.asl_functions.inside`), as Ipopt moves them itself (``bound_push``), after
    its gradient-based scaling has evaluated the Jacobian at the start it was given."""
    nlp.set_primals(x0)
    nlp.evaluate_objective()  # the ASL's gradient reuses the function's sweep at the same point
    nlp.evaluate_grad_objective()
    if nlp.n_constraints():
        nlp.evaluate_constraints()
        nlp.evaluate_jacobian()
