"""Each follower's Nash gap at a point: how much it could gain by deviating alone.

    gap_i = f_i(x_i, x_-i, pi) - min_{y_i in X_i(pi)} f_i(y_i, x_-i, pi)      (minimization form)

The best response is computed on the KKT evaluator's clone of the game, with every Var but
follower i's fixed and only follower i's objective and constraints active:

- a linear follower (objective and constraints linear in its own Vars): HiGHS, an exact LP;
- a convex quadratic follower (below): Ipopt, solved to optimality;
- a small follower (at most ``GLOBAL_MAX_VARS`` Vars) whose functions SCIP can read (polynomials,
  exp, log, ...): SCIP's spatial branch-and-bound, a proven global optimum (its cost grows
  quickly with the number of Vars: about 0.4 s for a 10-action entropy-regularized follower);
  at a point where Pyomo cannot evaluate a term that has a finite limit there (x log x at x = 0),
  the objective is taken just inside the box (:func:`_objective`);
- a convex quadratic follower (objective of degree at most 2 in its own Vars with a positive
  semidefinite Hessian, for a maximizer negative semidefinite; each constraint of degree at most 2
  in its Vars with a positive semidefinite Hessian for ``<=``, negative semidefinite for ``>=``,
  affine for ``==``: a ball, a convex quadratic constraint; :mod:`.convexity`): Ipopt from the
  equilibrium point, solved to optimality; a KKT point of a convex problem is its global minimum;
- otherwise, or when SCIP does not finish in its time (what is left of the certificate's budget,
  at least ``GLOBAL_MIN_TIME`` and at most ``GLOBAL_TIME_LIMIT``; SCIP does not close MacMPEC
  gnash10's one-variable followers, x ** (-1 / gamma) terms, in 20 s): Ipopt from up to
  ``LOCAL_STARTS`` random starts in the follower's box, on its NLP compiled once per check
  (PyNumero, the others' values as constants: ``BestResponseNLP``), as many as the certificate's
  time budget allows (:func:`stackopt.certificate.certificate_budget`; for a large game's followers that may
  be none, and the equilibrium's local optimality then rests on its KKT conditions and the
  second-order check), and from the equilibrium point only if all of them fail: the best of
  them, so the gap is a lower bound on the true one, and the method says how many starts ran.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pyomo.environ as pyo
from pyomo.repn import generate_standard_repn

from stackopt.asl_functions import inside
from stackopt.backends.certification.convexity import Degrees, convex, convex_set
from stackopt.backends.oracles.best_response import BestResponseNLP
from stackopt.backends.solvers import available, run_solver
from stackopt.backends.start_points import random_value
from stackopt.certificate import FollowerCheck
from stackopt.pyomo_value import value_or_none
from stackopt.structure import FollowerPart, GameStructure

#: followers with at most this many Vars get a global best response by SCIP
GLOBAL_MAX_VARS = 4
#: a global best response gets what is left of the certificate's budget, within these bounds
#: (seconds); beyond it Ipopt's local answer is used
GLOBAL_MIN_TIME = 1.0
GLOBAL_TIME_LIMIT = 10.0
#: random Ipopt starts for a follower with no global best response: at least MIN_LOCAL_STARTS,
#: then more while the certificate's time budget lasts
MIN_LOCAL_STARTS = 0
LOCAL_STARTS = 3

#: (best value in minimization form, the response {Var name: value}, how it was computed, exact)
Response = tuple[float, dict[str, float], str, bool]


def _linear(expr) -> bool:
    """Whether ``expr`` is linear in the Vars not fixed (a fixed Var counts as a constant)."""
    return generate_standard_repn(expr, quadratic=False).is_linear()


def _evaluate(expr) -> float:
    """The value of ``expr``, nan where Pyomo cannot evaluate it (log(0), 1 / 0), without
    Pyomo's ERROR log line."""
    value = value_or_none(expr)
    return np.nan if value is None else value


def _objective(part: FollowerPart) -> float:
    """Follower ``part``'s objective in minimization form at its Vars' values.

    Where a term is not evaluable at a Var on a bound of its box but has a finite limit there
    (x log x at x = 0), the objective is taken with the Vars on a bound moved inside the box by
    :func:`stackopt.asl_functions.inside` (1e-12 relative, the KKT evaluator's convention): it
    differs from the limit by that move times the slope (about 3e-11 for x log x); nan where that
    is not finite either. The Vars keep their values."""
    value = _evaluate(part.objective.expr)
    if np.isfinite(value):
        return part.sign * value
    x = np.array([v.value for v in part.vars], dtype=float)
    lb = np.array([-np.inf if v.lb is None else v.lb for v in part.vars], dtype=float)
    ub = np.array([np.inf if v.ub is None else v.ub for v in part.vars], dtype=float)
    moved = inside(x, lb, ub)
    if moved is x:
        return np.nan
    try:
        for v, value in zip(part.vars, moved):
            v.set_value(float(value), skip_validation=True)
        return part.sign * _evaluate(part.objective.expr)
    finally:
        for v, value in zip(part.vars, x):
            v.set_value(float(value), skip_validation=True)


def _shape(part: FollowerPart, constraints: list) -> str:
    """With every Var but the follower's fixed at its value: "linear" when its objective and
    ``constraints`` are linear in its Vars, "convex" when its objective (in minimization form) and
    ``constraints`` are convex of degree at most 2 in them (:mod:`.convexity`: a convex objective
    on a convex feasible set, a ball or a convex quadratic constraint included), else "other".
    Taken at each point: a fixed factor of value 0 lowers a degree (x_-i y_i^3 at x_-i = 0).
    The degrees are taken by one :class:`.convexity.Degrees`: a named Expression that several of
    these functions share, or that the objective's two tests meet, is walked once."""
    degrees = Degrees()
    degree = degrees(part.objective.expr)
    if degree is not None and degree <= 1 and all(_linear(c.body) for c in constraints):
        return "linear"
    if convex(part.objective.expr, part.sign, degrees) and all(
        convex_set(c, degrees) for c in constraints
    ):
        return "convex"
    return "other"


def _own_infeasibility(part: FollowerPart, constraints: list) -> float:
    """max(0, lb - body, body - ub) over ``constraints`` and the follower's Vars' bounds."""
    worst = 0.0
    for c in constraints:
        body = _evaluate(c.body)
        if not np.isfinite(body):
            return float("inf")
        if c.lower is not None:
            worst = max(worst, pyo.value(c.lower) - body)
        if c.upper is not None:
            worst = max(worst, body - pyo.value(c.upper))
    for v in part.vars:
        if v.lb is not None:
            worst = max(worst, v.lb - v.value)
        if v.ub is not None:
            worst = max(worst, v.value - v.ub)
    return float(worst)


class NashGap:
    """``gaps(pi, x) -> [FollowerCheck]`` on the game of ``structure`` (in practice the KKT
    evaluator's own clone, analyzed once): each call deactivates that model's active parts, solves
    the best responses with one follower's parts active at a time, and restores the model's
    activity and values."""

    def __init__(
        self, structure: GameStructure, budget: float = float("inf"), hard: float | None = None
    ):
        """``budget``: seconds after which no more random restarts are tried; ``hard``: a
        ``time.perf_counter()`` instant (a time-limited solve's evaluation deadline) past which
        no global solver starts and none runs (None: none)."""
        self.deadline = time.perf_counter() + budget
        self.hard = hard
        #: whether ``hard`` kept a global solver from running (the gaps are then incomplete)
        self.timed_out = False
        self.structure = structure
        self.model = structure.game
        self._all = structure.leader_vars + structure.follower_vars

    def __call__(self, values: np.ndarray) -> list[FollowerCheck]:
        """The check of every follower at ``values`` (leader Vars, then followers' Vars, in the
        order of the game's structure)."""
        active = [
            *self.model.component_data_objects(pyo.Constraint, active=True),
            *self.model.component_data_objects(pyo.Objective, active=True),
        ]
        before = [v.value for v in self._all]
        for component in active:
            component.deactivate()
        try:
            for v, value in zip(self._all, values):
                v.set_value(float(value), skip_validation=True)
            return [self._check(i, part) for i, part in enumerate(self.structure.followers)]
        finally:
            for component in active:
                component.activate()
            for v, value in zip(self._all, before):
                v.set_value(value, skip_validation=True)

    def nonconvex(self, values: np.ndarray) -> list[str]:
        """The followers whose problem at ``values`` is neither linear nor convex of degree at most
        2 (:func:`_shape`): where a KKT point of theirs need not be a best response. cvxpy
        followers are convex."""
        before = [v.value for v in self._all]
        try:
            for v, value in zip(self._all, values):
                v.set_value(float(value), skip_validation=True)
            out = []
            for index, part in enumerate(self.structure.followers):
                if part.cvxpy is not None:
                    continue
                with self._others_fixed(part):
                    if _shape(part, self._constraints(index, part)) == "other":
                        out.append(part.name)
            return out
        finally:
            for v, value in zip(self._all, before):
                v.set_value(value, skip_validation=True)

    def _constraints(self, index: int, part: FollowerPart) -> list:
        """Follower ``part``'s constraints and the shared ones that bind it."""
        shared = [
            s.constraint for s in getattr(self.structure, "shared", []) if index in s.followers
        ]
        return [*part.constraints, *shared]

    def _late(self) -> bool:
        return time.perf_counter() > self.deadline

    def _check(self, index: int, part: FollowerPart) -> FollowerCheck:
        """Follower ``part``'s check; a shared constraint that binds it limits its deviation at
        the others' fixed decisions, like its own constraints."""
        constraints = self._constraints(index, part)
        if part.cvxpy is not None:  # a DCP problem: its KKT point is its best response
            return FollowerCheck(part.name, 0.0, 0.0, 0.0, 0.0, "convex (cvxpy)", True)
        objective = _objective(part)
        check = FollowerCheck(part.name, objective, _own_infeasibility(part, constraints))
        if not np.isfinite(objective):
            check.message = "its objective is not finite at the equilibrium"
            return check
        point = [(v, v.value) for v in part.vars]
        part.objective.activate()
        for c in constraints:
            c.activate()
        try:
            self._best_response(part, constraints, check, point)
        finally:
            part.objective.deactivate()
            for c in constraints:
                c.deactivate()
            for v, value in point:
                v.set_value(value, skip_validation=True)
        return check

    @contextmanager
    def _others_fixed(self, part: FollowerPart) -> Iterator[None]:
        """Every Var but ``part``'s fixed at its value inside the ``with`` block."""
        own = {id(v) for v in part.vars}
        fixed = [v for v in self._all if not v.fixed and id(v) not in own]
        for v in fixed:
            v.fix()
        try:
            yield
        finally:
            for v in fixed:
                v.unfix()

    def _best_response(
        self, part: FollowerPart, constraints: list, check: FollowerCheck, point: list
    ) -> None:
        with self._others_fixed(part):
            shape = _shape(part, constraints)
        # HiGHS first for an LP; SCIP also takes an LP whose feasible set is a sliver thinner than
        # HiGHS's tolerance at a point on the follower's domain boundary (PAO bard511 at x = 4)
        # a convex follower's KKT point is global: one Ipopt solve (2-3 ms on MacMPEC's bard1,
        # bilevel1 and ex9.2.*) before SCIP's branch-and-bound (5-13 ms), which stays for the
        # case Ipopt does not solve it to optimality
        tries = []
        if shape == "linear" and available("highs"):
            tries.append("highs")
        if shape == "convex":
            tries.append("convex")
        if (shape == "linear" or len(part.vars) <= GLOBAL_MAX_VARS) and available("scip"):
            tries.append("scip")
        tries.append("ipopt")
        notes: list[str] = []
        best: Response | str | None
        for solver in tries:
            if solver == "ipopt":
                best = self._local(part, constraints, point)
            elif solver == "convex":
                best = self._convex_response(part, constraints, point)
            else:
                now = time.perf_counter()
                limit = min(GLOBAL_TIME_LIMIT, max(GLOBAL_MIN_TIME, self.deadline - now))
                left = np.inf if self.hard is None else self.hard - now
                cut = left < limit
                limit = min(limit, left)
                if limit <= 0:
                    best = None
                else:
                    with self._others_fixed(part):
                        best = self._solve(part, constraints, solver, limit)
                if best is None and cut:  # no local answer in place of the exact one
                    notes.append(f"{solver} cut by the time limit's evaluation deadline")
                    self.timed_out = True
                    break
            if isinstance(best, str):
                notes.append(best)
                continue
            if best is None:
                continue
            value, response, check.method, check.exact = best
            check.method = "; ".join([check.method, *notes])
            check.best_response = value
            check.gap = max(0.0, check.objective - value) if np.isfinite(value) else np.inf
            if check.gap > check.tolerance():
                check.deviation = response
                check.message = (
                    f"{part.name} improves its objective by {check.gap:.3g} by deviating "
                    f"(best response by {check.method})"
                )
            return
        check.message = "; ".join([f"no best response of {part.name} could be computed", *notes])

    def _solve(
        self, part: FollowerPart, constraints: list, solver: str, time_limit: float | None
    ) -> Response | str | None:
        """(best value in minimization form, the response, ``solver``, True) of one proven global
        solve; None when it proves nothing, or why its optimum cannot be used."""
        run = run_solver(self.model, solver, time_limit=time_limit)
        if run.status == "interrupted":  # SCIP caught the Ctrl-C: the certificate stops
            raise KeyboardInterrupt
        if run.unbounded:
            return -np.inf, {}, solver, True
        if run.status != "optimal" or not run.has_solution:
            return None
        response = {v.name: float(v.value) for v in part.vars}
        value = _objective(part)
        if not np.isfinite(value):
            return f"{solver}'s optimum is not evaluable: its objective is not finite there"
        if _own_infeasibility(part, constraints) > 1e-6:
            return None
        return value, response, solver, True

    @staticmethod
    def _ipopt(
        nlp: BestResponseNLP, part: FollowerPart, constraints: list, values: dict[str, float]
    ) -> tuple[float, dict[str, float]] | None:
        """(value in minimization form, the response) of Ipopt's local solve of the follower's
        compiled NLP from ``values`` (its Vars' starting values by name), or None."""
        try:
            response = nlp(values)
        except RuntimeError:
            return None
        for v, value in zip(part.vars, response):
            v.set_value(float(value), skip_validation=True)
        if not np.isfinite(nlp.value) or _own_infeasibility(part, constraints) > 1e-6:
            return None
        return nlp.value, {v.name: float(v.value) for v in part.vars}

    def _convex_response(
        self, part: FollowerPart, constraints: list, point: list
    ) -> Response | None:
        """(value, response, method, True) of Ipopt's solve of a convex follower's problem from
        the equilibrium point, when Ipopt solved it to optimality (not only to an acceptable
        level): its KKT point is a global minimum. None otherwise."""
        with self._others_fixed(part):
            nlp = BestResponseNLP(self.structure, part, retry_inside=True)
            found = self._ipopt(nlp, part, constraints, {v.name: value for v, value in point})
            for v, value in point:
                v.set_value(value, skip_validation=True)
        if found is None or nlp.status != 0:
            return None
        return (*found, "ipopt, convex quadratic follower", True)

    def _local(self, part: FollowerPart, constraints: list, point: list) -> Response | None:
        """(value, response, method, False) of the best of Ipopt's local solves from random
        starts, while the budget lasts, or None. The equilibrium point itself is a local minimum
        by its KKT conditions and the second-order check: with no random start run, its own value
        is returned (a gap of 0, the weakest lower bound); Ipopt starts from it only when every
        random start failed."""
        rng = np.random.default_rng(0)
        best, starts, nlp = None, 0, None
        with self._others_fixed(part):
            for _ in range(LOCAL_STARTS):
                if starts >= MIN_LOCAL_STARTS and self._late():
                    break
                starts += 1
                # the others' values as data
                nlp = nlp or BestResponseNLP(self.structure, part, retry_inside=True)
                values = {v.name: random_value(v, rng) for v, _value in point}
                found = self._ipopt(nlp, part, constraints, values)
                if found is not None and (best is None or found[0] < best[0]):
                    best = found
            for v, value in point:
                v.set_value(value, skip_validation=True)
            if best is None and starts == 0:
                best = _objective(part), {}
            elif best is None:
                values = {v.name: value for v, value in point}
                best = self._ipopt(nlp, part, constraints, values)
        method = f"ipopt from {starts} random start{'s' if starts != 1 else ''}"
        return None if best is None else (*best, method, False)
