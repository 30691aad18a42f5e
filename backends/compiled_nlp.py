"""A reformulated MPEC compiled once into a PyNumero NLP and solved by cyipopt in memory.

A continuation solves the same NLP for a sequence of parameter values (Scholtes' t, a smoothing
mu, a penalty rho). The parameter is a Var of the model held at its value by equal bounds
lb = ub = value, which Ipopt removes from the problem (``fixed_variable_treatment``:
make_parameter); a new value is a new pair of bounds, not a new model file. Each solve after the
first starts from the previous primal point and its constraint and bound multipliers
(``warm_start_init_point``), with a barrier parameter ``mu_init`` the caller chooses. Where the
new value changes the objective's gradient (a penalty's weight), by d at the start, the bound
multipliers take the change up, z_L + max(d, 0) and z_U + max(-d, 0) on the bounds there are, so
that the start is as dual feasible as the last solution was: Ipopt's dual residual
grad f + J^T y - z_L + z_U stays where the solve left it, instead of jumping by d (security game
5 x 100, rho 10 -> 100: 7 Ipopt iterations instead of 18, the same point).

Ipopt 3.11 has no wall-clock limit of its own: each solve gets ``max_cpu_time`` of the time left
and an intermediate callback that stops Ipopt at the wall-clock deadline
(:class:`~stackopt.backends.ipopt_deadline.WallClock`). An evaluation error (NaN, a division by
zero inside the bounds) is tried once more with Ipopt's iterates inside the bounds
(:data:`~stackopt.backends.solvers.INSIDE_THE_BOUNDS`: Scholtes reached y = -1e-9 under y^1.5),
then ends that solve with status "error", never the process.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.pynumero.exceptions import PyNumeroEvaluationError
from pyomo.contrib.pynumero.interfaces.cyipopt_interface import CyIpoptNLP
from pyomo.core.base.var import VarData

from stackopt.backends.bounded_nlp import BoundedNLP
from stackopt.backends.ipopt_deadline import TIME_LIMIT_CODES, WallClock
from stackopt.backends.solver_interrupt import interruptible
from stackopt.backends.solvers import (
    HALT_ON_EVALUATION_ERROR,
    INSIDE_THE_BOUNDS,
    SolverRun,
    refuse_complementarity,
    solver_message,
)
from stackopt.errors import explained
from stackopt.pynumero_nlp import pynumero_nlp
from stackopt.solver_output import showing

#: Ipopt's return code -> stackopt status (Ipopt's ApplicationReturnStatus)
_STATUS = {
    0: "optimal",
    1: "feasible",
    2: "infeasible",
    -1: "iteration_limit",
    **dict.fromkeys(TIME_LIMIT_CODES, "time_limit"),  # CPU time, or the wall-clock callback
}


#: a warm start keeps the previous point and multipliers where they are (Ipopt pushes them into
#: the interior by 1e-2 of the bounds' range by default, which undoes most of the warm start)
WARM_START = {
    "warm_start_init_point": "yes",
    "warm_start_bound_push": 1e-9,
    "warm_start_bound_frac": 1e-9,
    "warm_start_slack_bound_push": 1e-9,
    "warm_start_slack_bound_frac": 1e-9,
    "warm_start_mult_bound_push": 1e-9,
}


class CompiledNLP:
    """``model`` (one active objective, no Complementarity left) as a PyNumero NLP, solved in
    memory; ``parameter`` is the continuation's Var (None for a single solve). An evaluation
    error stops Ipopt at once (:data:`stackopt.backends.solvers.HALT_ON_EVALUATION_ERROR`); with
    ``retry_inside`` the solve is tried once more inside the bounds, then ends with status
    "error". The kkt oracle's Ipopt rescue does not retry: other rescues follow it, and on the
    QRE games the retries of rescue after rescue, from the point a time limit left, cost seconds
    on top of the limit."""

    def __init__(
        self, model: pyo.Block, parameter: VarData | None = None, retry_inside: bool = True
    ):
        refuse_complementarity(model, "ipopt")
        self.nlp = nlp = pynumero_nlp(model)
        self.vars = nlp.get_pyomo_variables()
        self.lb, self.ub = nlp.primals_lb(), nlp.primals_ub()
        self.init = nlp.init_primals()
        self.parameter = parameter
        columns = {id(v): k for k, v in enumerate(self.vars)}
        self.column = None if parameter is None else columns.get(id(parameter))
        self.duals: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        #: the parameter's value at the solve that left ``duals``
        self.duals_at: float | None = None
        self.iterations = 0
        self.retry_inside = retry_inside

    def forget_duals(self) -> None:
        """The next solve starts cold (a new start point of a multistart)."""
        self.duals = None

    def solve(
        self,
        options: dict[str, Any],
        deadline: float | None,
        bounds: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None,
    ) -> SolverRun:
        """Solve from the model's current values (warm-started from the last multipliers when
        there are some); load the point into the model's Vars. ``deadline`` is a
        ``time.perf_counter()`` instant; ``bounds`` = (variables' lower, upper, constraints'
        lower, upper) replaces the model's bounds for this solve (a side of a pair fixed)."""
        lb, ub = (self.lb, self.ub) if bounds is None else bounds[:2]
        lb, ub = lb.copy(), ub.copy()
        if self.column is not None:
            assert self.parameter is not None  # the column of the parameter
            lb[self.column] = ub[self.column] = self.parameter.value
        x0 = np.array(
            [v.value if v.value is not None else d for v, d in zip(self.vars, self.init)],
            dtype=float,
        )
        clock = WallClock(deadline)
        opts = {"print_level": 5 if showing() else 0, "sb": "yes", **options, **clock.options()}
        warm: dict[str, Any] = {}
        if self.duals is not None:
            opts = {**WARM_START, **opts}
            warm = dict(zip(("lagrange", "zl", "zu"), self.duals))
        constraint_bounds = None if bounds is None else bounds[2:]
        try:
            if warm and self.column is not None and self.duals_at != x0[self.column]:
                warm["zl"], warm["zu"] = self._shifted(x0, lb, ub)
            try:
                x, info = self._ipopt(lb, ub, x0, constraint_bounds, clock, opts, warm)
            except PyNumeroEvaluationError:
                if not self.retry_inside or opts.get("bound_relax_factor") == 0:
                    raise
                opts = {**opts, **INSIDE_THE_BOUNDS}
                x, info = self._ipopt(lb, ub, x0, constraint_bounds, clock, opts, warm)
        except Exception as exc:  # an evaluation error ends this solve only
            return SolverRun("error", f"ipopt: {explained(exc)}", False)
        self.iterations += clock.iterations
        if not np.all(np.isfinite(x)):
            return SolverRun("error", "ipopt returned a non-finite point", False)
        for v, value in zip(self.vars, x):
            v.set_value(float(value), skip_validation=True)
        status = _STATUS.get(info["status"], "error")
        # a failed solve's multipliers are no guess for the next one
        solved = status in ("optimal", "feasible")
        self.duals = (info["mult_g"], info["mult_x_L"], info["mult_x_U"]) if solved else None
        self.duals_at = None if self.column is None else float(x[self.column])
        return SolverRun(status, solver_message(info["status_msg"]), True, clock.iterations)

    def _shifted(
        self, x0: np.ndarray, lb: np.ndarray, ub: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The last solve's bound multipliers (z_L, z_U) with the change d of the objective's
        gradient at ``x0`` from the last solve's parameter value to this one's taken up (module
        docstring); unchanged where the gradient cannot be evaluated at ``x0``."""
        assert self.duals is not None and self.column is not None  # a warm start, a parameter
        assert self.duals_at is not None  # set with the duals
        _, zl, zu = self.duals
        x = x0.copy()
        try:
            self.nlp.set_primals(x)
            new = self.nlp.evaluate_grad_objective().copy()
            x[self.column] = self.duals_at
            self.nlp.set_primals(x)
            d = new - self.nlp.evaluate_grad_objective()
        except PyNumeroEvaluationError:
            return zl, zu
        d[self.column] = 0.0
        zl = zl + np.where(np.isfinite(lb), np.maximum(d, 0.0), 0.0)
        zu = zu + np.where(np.isfinite(ub), np.maximum(-d, 0.0), 0.0)
        return zl, zu

    def _ipopt(self, lb, ub, x0, constraint_bounds, clock: WallClock, options: dict, warm: dict):
        """Ipopt's (x, info) from ``x0`` within the bounds, with ``options`` and the ``warm``
        multipliers."""
        bounded = BoundedNLP(self.nlp, lb, ub, x0, constraint_bounds)
        problem = CyIpoptNLP(
            bounded, intermediate_callback=clock, halt_on_evaluation_error=HALT_ON_EVALUATION_ERROR
        )
        for key, value in options.items():
            problem.add_option(key, value)
        with interruptible():
            return problem.solve(bounded.init_primals(), **warm)
