"""One follower's best response by Ipopt, on an NLP compiled once and reused every round.

The best response of follower i to the others' actions x_-i and the leader's decision pi,

    BR_i(x_-i, pi) = argmin_{x_i in X_i(x_-i, pi)} sign_i f_i(x_i, x_-i, pi),

is one NLP whose data (x_-i, pi) change from round to round. Handing Ipopt a freshly written
Pyomo model each round costs about 13 ms of Pyomo's own work per solve (the NL file, PyNumero's
set-up, output capture) against about 5 ms in Ipopt. Here the follower's problem is compiled once
into a PyNumero NLP in which the other players' Vars stay variables; each round fixes them by
equal bounds lb = ub = their current values, which Ipopt removes from the problem
(``fixed_variable_treatment``: make_parameter), and calls cyipopt on the same NLP, stopped at the
caller's wall-clock deadline (:class:`~stackopt.backends.ipopt_deadline.WallClock`).
"""

from __future__ import annotations

import time

import numpy as np
from pyomo.common.collections import ComponentMap
from pyomo.contrib.pynumero.exceptions import PyNumeroEvaluationError
from pyomo.contrib.pynumero.interfaces.cyipopt_interface import CyIpoptNLP

from stackopt.backends.bounded_nlp import BoundedNLP
from stackopt.backends.ipopt_deadline import TIME_LIMIT_CODES, WallClock
from stackopt.backends.solver_interrupt import interruptible
from stackopt.backends.solvers import (
    HALT_ON_EVALUATION_ERROR,
    INSIDE_THE_BOUNDS,
    IPOPT_NAN_CHECK,
    solver_message,
)
from stackopt.errors import explained
from stackopt.pynumero_nlp import pynumero_nlp
from stackopt.structure import FollowerPart, GameStructure

#: Ipopt's return codes that deliver a best response: solved, solved to an acceptable level
SOLVED = (0, 1)
#: quiet: no iteration log and no banner
IPOPT_OPTIONS = {"print_level": 0, "sb": "yes"}


class BestResponseNLP:
    """``br(values) -> x_i``: follower ``part``'s best response with every other Var at ``values``.

    Compiled from ``structure``'s game with only the follower's objective and constraints active
    (this leaves the leader's and the other followers' parts of that game deactivated); the Vars
    that appear in them are the NLP's columns. ``retry_inside``: an evaluation error is retried
    with Ipopt's iterates inside the bounds (``INSIDE_THE_BOUNDS``; the certificate's best
    responses; the damped best responses of the kkt oracle's last rescue fail at once instead,
    which on QRE subsidies cost seconds of retries without an equilibrium).
    """

    def __init__(self, structure: GameStructure, part: FollowerPart, retry_inside: bool = False):
        self.retry_inside = retry_inside
        structure.objective.deactivate()
        for c in structure.constraints:
            c.deactivate()
        for other in structure.followers:
            active = other is part
            other.objective.activate() if active else other.objective.deactivate()
            for c in other.constraints:
                c.activate() if active else c.deactivate()
        self.nlp = pynumero_nlp(structure.game)
        columns = self.nlp.get_pyomo_variables()
        column = ComponentMap((v, k) for k, v in enumerate(columns))
        self.names = [v.name for v in columns]
        self.own = np.array([column.get(v, -1) for v in part.vars], dtype=int)
        self.fixed = np.ones(len(columns), dtype=bool)
        self.fixed[self.own[self.own >= 0]] = False
        self.own_names = [v.name for v in part.vars]
        self.lb, self.ub = self.nlp.primals_lb(), self.nlp.primals_ub()
        self.name = part.name
        self.value = float("nan")
        #: Ipopt's return code of the last response (0: solved; 1: solved to an acceptable level)
        self.status = -1

    def __call__(self, values: dict[str, float], deadline: float | None = None) -> np.ndarray:
        """The follower's new values, in the order of ``own`` (a Var that appears in none of its
        functions keeps its value; ``value`` is then its objective there, in minimization form);
        RuntimeError naming the follower when Ipopt fails or the ``deadline`` (a
        ``time.perf_counter()`` instant) passes, before Ipopt starts or while it runs."""
        late = f"best response of {self.name}: the time limit has passed"
        if deadline is not None and time.perf_counter() >= deadline:
            raise RuntimeError(late)
        x0 = np.array([values[n] for n in self.names], dtype=float)
        fixed = self.fixed
        lb, ub = self.lb.copy(), self.ub.copy()
        lb[fixed] = ub[fixed] = x0[fixed]
        try:
            try:
                x, info = self._solve(lb, ub, x0, deadline, {})
            except PyNumeroEvaluationError:
                if not self.retry_inside:
                    raise
                x, info = self._solve(lb, ub, x0, deadline, INSIDE_THE_BOUNDS)
        except Exception as exc:  # an evaluation error ends this best response only
            raise RuntimeError(
                f"best response of {self.name} failed: ipopt: {explained(exc)}"
            ) from exc
        if info["status"] in TIME_LIMIT_CODES:  # Ipopt stopped at the deadline
            raise RuntimeError(late)
        if info["status"] not in SOLVED:
            message = solver_message(info["status_msg"])
            raise RuntimeError(f"best response of {self.name} failed: {message}")
        self.value, self.status = float(info["obj_val"]), int(info["status"])
        own = np.array([values[n] for n in self.own_names], dtype=float)
        present = self.own >= 0
        own[present] = x[self.own[present]]
        return own

    def _solve(
        self, lb: np.ndarray, ub: np.ndarray, x0: np.ndarray, deadline: float | None, options: dict
    ) -> tuple[np.ndarray, dict]:
        """Ipopt's (x, info) with bounds lb <= x <= ub from x0, stopped at ``deadline``."""
        clock = WallClock(deadline)
        bounded = BoundedNLP(self.nlp, lb, ub, x0)
        problem = CyIpoptNLP(
            bounded,
            intermediate_callback=clock,
            halt_on_evaluation_error=HALT_ON_EVALUATION_ERROR,
        )
        every = {**IPOPT_OPTIONS, **IPOPT_NAN_CHECK, **options, **clock.options()}
        for key, value in every.items():
            problem.add_option(key, value)
        with interruptible():
            return problem.solve(bounded.init_primals())
