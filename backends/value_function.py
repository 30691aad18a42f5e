"""``method="value-function"``: a mixed-integer linear follower, solved exactly by column-and-constraint
generation on the value-function reformulation.

The (optimistic) bilevel problem with one follower whose objective f and constraints g are linear
and whose decisions y = (y_R, y_Z) are partly integer,

    min_{x, y} F(x, y)  s.t.  G(x, y) <= 0,  y in argmin {f(x, y) : g(x, y) <= 0, y_Z integer},

is the single-level problem with f(x, y) <= phi(x) = min_y {f(x, y) : g(x, y) <= 0}. For a fixed
integer part y_Z^l, phi(x) <= phi_l(x), the value of the LP in y_R alone; phi is the minimum of the
phi_l over all integer parts. Column-and-constraint generation (Yue, Gao, Zeng and You 2019,
J. Glob. Optim. 73, "A projection-based reformulation and decomposition algorithm for global
optimization of a class of mixed integer bilevel linear programs", Sec. 3; PAO's PCCG) enumerates
only the integer parts it needs:

- the master problem, a lower bound: the high-point relaxation (leader's and follower's constraints
  together) and, for each enumerated y_Z^l, the disjunction (z_l binary)

      z_l = 1:  y_R^l optimal for phi_l(x) (primal feasibility, B^T v + d_R = 0, v >= 0, and
                {v_i, s_i} SOS1 with s = r_l(x) - B y_R^l) and f(x, y) <= f(x, y_R^l, y_Z^l);
      z_l = 0:  a Farkas certificate that y_Z^l is infeasible at x: u >= 0, B^T u = 0,
                sum u = 1, u^T r_l(x) <= -FARKAS_MARGIN,

  where B y_R <= r_l(x) is the follower's feasible set at (x, y_Z^l); SCIP solves it (the products
  of z_l and u with x are exact there);
- the subproblems at the master's x^k, an upper bound: the follower's MILP gives phi(x^k), then the
  leader's best point among the follower's optima (min F s.t. f(x^k, y) <= phi(x^k)); HiGHS solves
  both. Its integer part (else that of the follower's optimum) is the next y_Z^l.

It stops when the bounds meet (``tol``, relative to max(1, |F|)). An unbounded first master (the
high-point relaxation: PAO's pineda, y >= 100 x - 100 alone) gets the part of the follower's
optimum at the leader's initial decision first, which for a continuous follower is the whole value
function. Integer parts infeasible by less than FARKAS_MARGIN at some x are the one approximation.
The returned point is checked like any other: the follower's best response is solved again by HiGHS
there (an exact Nash gap) and the lower bound is the proven global bound of the certificate.

Example (PAO's toyexample1: Yue et al. 2019, toy example 1)::

    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, None), within=pyo.Integers)
    g.L = so.Follower()
    g.L.y = pyo.Var(bounds=(0, None), within=pyo.Integers)
    g.L.o = pyo.Objective(expr=-g.L.y, sense=pyo.maximize)
    g.L.c1 = pyo.Constraint(expr=-25 * g.x + 20 * g.L.y <= 30)
    g.L.c2 = pyo.Constraint(expr=g.x + 2 * g.L.y <= 10)
    g.L.c3 = pyo.Constraint(expr=2 * g.x - g.L.y <= 15)
    g.L.c4 = pyo.Constraint(expr=-2 * g.x - 10 * g.L.y <= -15)
    g.o = pyo.Objective(expr=-g.x - 10 * g.L.y)
    res = so.solve(g, method="value-function")    # x = 2, y = 2, objective -22
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.core.base.var import VarData
from pyomo.repn import generate_standard_repn

from stackopt.backends.evaluation import nested_values
from stackopt.backends.progress_log import StartLog, counted
from stackopt.backends.solvers import require, run_solver
from stackopt.backends.start_points import current_value, interval
from stackopt.certificate import (
    Certificate,
    EquilibriumCheck,
    FollowerCheck,
    GlobalBound,
    certifying,
    derive_status,
)
from stackopt.errors import ModelError
from stackopt.game import StackelbergGame
from stackopt.result import Result
from stackopt.structure import FollowerPart, GameStructure, analyze

log = logging.getLogger("stackopt.value-function")

#: the margin by which a Farkas certificate must prove an integer part infeasible (above SCIP's
#: feasibility tolerance, 1e-6, which would otherwise accept a certificate of value 0)
FARKAS_MARGIN = 1e-4
#: the follower's optimal value may be exceeded by this (relative) in the upper-bound subproblem
VALUE_TOL = 1e-9


@dataclass
class FollowerRow:
    """One follower row ``const + a x + B y_R + c y_Z <= 0`` (coefficients by Var position)."""

    const: float
    a: dict[int, float]
    b: dict[int, float]
    c: dict[int, float]


def _linear(expr: Any, component: Any) -> Any:
    repn = generate_standard_repn(expr, compute_values=True)
    if not repn.is_linear():
        raise ModelError(
            f"{component.name} is not linear: method='value-function' takes linear functions"
        )
    return repn


class _Follower:
    """The follower's data on one model: its continuous and integer Vars, its rows, and its
    objective's coefficients on them (minimization form)."""

    def __init__(self, structure: GameStructure):
        if len(structure.followers) != 1:
            raise ModelError(
                f"method='value-function' takes one follower; the game has "
                f"{len(structure.followers)}: "
                + ", ".join(part.name for part in structure.followers)
            )
        if structure.followers[0].cvxpy is not None:
            raise ModelError(
                f"Follower {structure.followers[0].name} is given in cvxpy: method="
                "'value-function' takes a follower written in Pyomo (linear, with integer Vars)"
            )
        named = [f"SharedConstraint {s.constraint.name}" for s in structure.shared]
        named += [f"stackopt.dual({d.constraint.name})" for d in structure.duals]
        if named:
            raise ModelError(
                f"method='value-function' cannot take {named[0]}: its value-function "
                "reformulation has no follower multipliers, so neither a shared multiplier nor a "
                "price"
            )
        part: FollowerPart = structure.followers[0]
        self.part, self.leader = part, structure.leader_vars
        self.yr = [v for v in part.vars if v.is_continuous()]
        self.yz = [v for v in part.vars if not v.is_continuous()]
        cols = {id(v): ("a", k) for k, v in enumerate(self.leader)}
        cols.update({id(v): ("b", k) for k, v in enumerate(self.yr)})
        cols.update({id(v): ("c", k) for k, v in enumerate(self.yz)})
        self.rows: list[FollowerRow] = []
        for c in part.constraints:
            repn = _linear(c.body, c)
            for bound, side in ((c.upper, 1.0), (c.lower, -1.0)):
                if bound is not None:
                    self.rows.append(self._row(repn, cols, side, pyo.value(bound)))
        for k, v in enumerate(self.yr):
            if v.lb is not None:
                self.rows.append(FollowerRow(v.lb, {}, {k: -1.0}, {}))
            if v.ub is not None:
                self.rows.append(FollowerRow(-v.ub, {}, {k: 1.0}, {}))
        repn = _linear(part.sign * part.objective.expr, part.objective)
        self.d_r = np.zeros(len(self.yr))
        self.d_z = np.zeros(len(self.yz))
        for v, coef in zip(repn.linear_vars, repn.linear_coefs):
            kind, k = cols[id(v)]
            if kind == "b":
                self.d_r[k] += coef
            elif kind == "c":
                self.d_z[k] += coef

    @staticmethod
    def _row(repn: Any, cols: dict, side: float, bound: float) -> FollowerRow:
        row = FollowerRow(side * (repn.constant - bound), {}, {}, {})
        for v, coef in zip(repn.linear_vars, repn.linear_coefs):
            kind, k = cols[id(v)]
            part = getattr(row, kind)
            part[k] = part.get(k, 0.0) + side * coef
        return row

    def objective(self, yr: Sequence[Any], yz: Sequence[Any]) -> Any:
        """d_R y_R + d_Z y_Z (the follower's objective without its leader terms)."""
        return sum(d * y for d, y in zip(self.d_r, yr)) + sum(d * y for d, y in zip(self.d_z, yz))


def _add_integer_part(master: pyo.Block, data: _Follower, l: int, yz: tuple[float, ...]) -> None:
    """The disjunction of the module docstring for integer part ``yz``, as block ``cut<l>``."""
    b = pyo.Block()
    master.add_component(f"cut{l}", b)
    n_rows, n_r = len(data.rows), len(data.yr)
    b.z = pyo.Var(within=pyo.Binary)
    b.yr = pyo.Var(range(n_r))
    b.u = pyo.Var(range(n_rows), bounds=(0, 1))
    b.s = pyo.Var(range(n_rows))
    x = data.leader

    def r(i: int) -> Any:  # r_i(x) = -(const + a x + c y_Z^l)
        row = data.rows[i]
        fixed = row.const + sum(coef * yz[k] for k, coef in row.c.items())
        return -fixed - sum(coef * x[k] for k, coef in row.a.items())

    def b_dot(i: int, y: Any) -> Any:
        return sum(coef * y[k] for k, coef in data.rows[i].b.items())

    b.slack = pyo.Constraint(range(n_rows), rule=lambda b, i: b.s[i] == r(i) - b_dot(i, b.yr))
    b.primal = pyo.Constraint(range(n_rows), rule=lambda b, i: b.z * b.s[i] >= 0)
    columns = [[i for i, row in enumerate(data.rows) if j in row.b] for j in range(n_r)]
    if n_r:
        b.v = pyo.Var(range(n_rows), bounds=(0, None))
        b.dual = pyo.Constraint(
            range(n_r),
            rule=lambda b, j: (
                b.z * (data.d_r[j] + sum(data.rows[i].b[j] * b.v[i] for i in columns[j])) == 0
            ),
        )
        b.sos = pyo.SOSConstraint(range(n_rows), rule=lambda b, i: [b.v[i], b.s[i]], sos=1)
        b.farkas_ray = pyo.Constraint(
            range(n_r), rule=lambda b, j: sum(data.rows[i].b[j] * b.u[i] for i in columns[j]) == 0
        )
    own = data.objective(data.yr, data.yz)
    b.value = pyo.Constraint(expr=b.z * (own - data.objective(list(b.yr.values()), yz)) <= 0)
    b.farkas_sum = pyo.Constraint(expr=sum(b.u.values()) == 1 - b.z)
    b.farkas = pyo.Constraint(
        expr=sum(b.u[i] * r(i) for i in range(n_rows)) <= -FARKAS_MARGIN * (1 - b.z)
    )


class _Subproblems:
    """The follower's MILP and the leader's best point among its optima, at a fixed leader x."""

    def __init__(self, game: StackelbergGame):
        self.model = model = game.clone()
        self.structure = s = analyze(model, integer_followers=True)
        self.part = s.followers[0]
        model.stackopt_phi = pyo.Param(mutable=True, initialize=0.0)
        model.stackopt_optimal = pyo.Constraint(
            expr=self.part.sign * self.part.objective.expr <= model.stackopt_phi
        )

    def _activate(self, leader_side: bool) -> None:
        s = self.structure
        (s.objective.activate if leader_side else s.objective.deactivate)()
        for c in [*s.constraints, self.model.stackopt_optimal]:
            (c.activate if leader_side else c.deactivate)()
        (self.part.objective.deactivate if leader_side else self.part.objective.activate)()

    def solve(self, x: list[float], time_limit: float | None) -> tuple[Any, Any]:
        """(phi(x), the follower's optimum) and (the leader's value, its best point), each None
        when not found; points are {Var name: value}."""
        for v, value in zip(self.structure.leader_vars, x):
            v.set_value(value, skip_validation=True)  # so.certify's may be outside new bounds
            v.fix()
        self._activate(leader_side=False)
        run = run_solver(self.model, "highs", time_limit=time_limit)
        if run.status != "optimal" or not run.has_solution:
            return None, None
        phi = self.part.sign * pyo.value(self.part.objective.expr)
        follower = (phi, self._point())
        self.model.stackopt_phi.set_value(phi + VALUE_TOL * max(1.0, abs(phi)))
        self._activate(leader_side=True)
        run = run_solver(self.model, "highs", time_limit=time_limit)
        best = None
        if run.status == "optimal" and run.has_solution:
            best = (
                self.structure.leader_sign * pyo.value(self.structure.objective.expr),
                self._point(),
            )
        return follower, best

    def _point(self) -> dict[str, float]:
        """The follower's values, integer ones rounded to the integers the solver meant."""
        return {
            v.name: float(v.value) if v.is_continuous() else float(round(v.value)) + 0.0
            for v in self.part.vars
        }


def _starting_part(sub: _Subproblems, data: _Follower, left: float | None) -> tuple | None:
    """The integer part of the follower's optimum at the leader's initial decision
    (:func:`_leader_values`): () for a continuous follower; None when the follower has no optimum
    there."""
    if not data.yz:
        return ()
    follower, _ = sub.solve(_leader_values(data.leader), left)
    if follower is None:
        return None
    return tuple(float(round(follower[1][v.name])) for v in sub.part.vars if not v.is_continuous())


def _leader_values(vars_: list[VarData]) -> list[float]:
    """The leader decision held by ``vars_`` (0 for a Var without a value), each value within its
    Var's bounds (SCIP's feasibility tolerance leaves a value up to about 1e-9 beyond a bound) and
    integer ones rounded."""
    values = [float(np.clip(current_value(v), *interval(v))) for v in vars_]
    return [x if v.is_continuous() else float(round(x)) for v, x in zip(vars_, values)]


def _violation(structure: GameStructure) -> float:
    """max(0, lb - G, G - ub) over the leader's constraints and its Vars' bounds (a point
    ``so.certify`` is given may lie outside bounds changed since its solve)."""
    worst = 0.0
    for v in structure.leader_vars:
        if v.lb is not None:
            worst = max(worst, v.lb - v.value)
        if v.ub is not None:
            worst = max(worst, v.value - v.ub)
    for c in structure.constraints:
        body = pyo.value(c.body)
        if c.lower is not None:
            worst = max(worst, pyo.value(c.lower) - body)
        if c.upper is not None:
            worst = max(worst, body - pyo.value(c.upper))
    return worst


def run(
    game: StackelbergGame,
    max_iter: int = 100,
    time_limit: float | None = None,
    tol: float = 1e-6,
    callback: Callable[[dict[str, Any]], bool] | None = None,
    verbose: bool = False,
) -> Result:
    """Column-and-constraint generation on the value-function reformulation (module docstring); an
    honest, certified Result.

    Parameters
    ----------
    max_iter : int
        Maximum number of master problems (integer parts enumerated).
    time_limit : float or None
        Wall-clock limit in seconds.
    tol : float
        Stop when the bounds meet, relative to max(1, abs(F)).
    callback : callable or None
        ``callback(state) -> bool`` after every iteration, ``state`` = {"iteration", "lower",
        "upper"} (the bounds in the leader's sense); True stops with status "iteration_limit" at
        the incumbent.
    verbose : bool
        Log each iteration's bounds at INFO level (logger ``stackopt.value-function``).

    Notes
    -----
    The run is one start on ``stackopt.value-function`` (:mod:`stackopt.backends.progress_log`):
    its line as it ends (status, objective, iterations) and, during a long run (unless
    ``verbose``), a heartbeat with the incumbent's objective and the master's bound.
    """
    progress = StartLog(
        "value-function",
        kind="column-and-constraint generation",
        unit="iteration",
        heartbeat=not verbose,
    )
    result = _generate(game, max_iter, time_limit, tol, callback, verbose, progress)
    progress.end(result.status, result.reported_objective, len(result.history))
    return result


def _generate(
    game: StackelbergGame,
    max_iter: int,
    time_limit: float | None,
    tol: float,
    callback: Callable[[dict[str, Any]], bool] | None,
    verbose: bool,
    progress: StartLog,
) -> Result:
    """The iterations of :func:`run`, each beating ``progress``."""
    require("scip")
    require("highs")
    master = game.clone()
    structure = analyze(master, integer_followers=True)
    data = _Follower(structure)
    for comp in [structure.objective, *structure.constraints]:
        _linear(comp.expr if comp is structure.objective else comp.body, comp)
    structure.followers[0].objective.deactivate()
    sub = _Subproblems(game)
    sign = structure.leader_sign
    start = time.perf_counter()
    lower, upper, best, claim, message = -np.inf, np.inf, None, "error", ""
    seen: set[tuple[float, ...]] = set()
    history = []
    k = 0
    try:
        for k in range(max_iter):
            left = None if time_limit is None else time_limit - (time.perf_counter() - start)
            if left is not None and left <= 0:
                claim, message = "time_limit", f"time limit after {counted(k, 'iteration')}"
                break
            run_ = run_solver(master, "scip", time_limit=left)
            if run_.unbounded:
                yz = None if seen else _starting_part(sub, data, left)
                if yz is not None:  # its value function bounds what the relaxation leaves open
                    seen.add(yz)
                    _add_integer_part(master, data, len(seen), yz)
                    continue
                run_.message += (
                    f" (the high-point relaxation with the value functions of {len(seen)} "
                    "integer part(s)): bound the follower's Vars"
                )
            if run_.status == "infeasible":
                claim = "optimal" if best is not None else "infeasible"
                message = "the master problem is infeasible" + (
                    ": the incumbent is optimal" if best else ""
                )
                break
            if run_.status != "optimal" or not run_.has_solution:
                claim, message = (
                    run_.status if run_.status != "optimal" else "error",
                    f"master: {run_.message}",
                )
                break
            lower = sign * pyo.value(structure.objective.expr)
            x = _leader_values(structure.leader_vars)
            follower, leader_best = sub.solve(x, left)
            if follower is None:
                claim, message = (
                    "error",
                    "the follower's problem has no optimum at the master's decision",
                )
                break
            if leader_best is not None and leader_best[0] < upper:
                upper, best = leader_best[0], (x, leader_best[1])
            history.append({"iteration": k, "lower": sign * lower, "upper": sign * upper})
            if verbose:
                log.info("iteration %d: bounds %.6g, %.6g", k, sign * lower, sign * upper)
            progress.beat(k + 1, sign * upper, f"master bound {sign * lower:.8g}")
            if best is not None and upper - lower <= tol * max(1.0, abs(upper)):
                claim, message = "optimal", f"bounds met after {counted(k + 1, 'iteration')}"
                break
            if callback is not None and callback(dict(history[-1])):
                claim, message = (
                    "iteration_limit",
                    f"stopped by the callback after {counted(k + 1, 'iteration')}",
                )
                break
            point = (leader_best or follower)[1]
            yz = tuple(float(round(point[v.name])) for v in sub.part.vars if not v.is_continuous())
            if yz in seen:
                claim, message = "error", f"integer part {yz} generated twice with bounds apart"
                break
            seen.add(yz)
            _add_integer_part(master, data, len(seen), yz)
        else:
            claim, message = (
                "iteration_limit",
                f"bounds {lower:.6g} <= {upper:.6g} after {counted(max_iter, 'iteration')}",
            )
    except KeyboardInterrupt:  # Ctrl-C: the incumbent so far is certified
        claim, message = "interrupted", f"interrupted (Ctrl-C) at iteration {k}"
    if best is None:
        return Result(
            status=claim if claim != "optimal" else "error", message=message, history=history
        )
    bound = GlobalBound("scip", claim == "optimal", sign * lower, abs(upper - lower))
    return _certified(sub, best, claim, message, history, bound)


def recheck(
    game: StackelbergGame,
    leader: dict[str, float],
    response: dict[str, float],
    claim: str,
    bound: GlobalBound | None,
) -> Result:
    """``so.certify`` on a game with integer follower Vars: the Result of the leader decision
    ``leader`` and the follower's ``response`` (by Var name), judged as :func:`run` judges its
    incumbent (the follower's MILP solved again: an exact Nash gap), with the method's ``claim``
    and its global ``bound``."""
    sub = _Subproblems(game)
    x = [leader[v.name] for v in sub.structure.leader_vars]
    return _certified(sub, (x, response), claim, "", [], bound)


def _certified(
    sub: _Subproblems,
    best: tuple,
    claim: str,
    message: str,
    history: list,
    bound: GlobalBound | None,
) -> Result:
    """The Result at the incumbent, its follower's best response solved again (an exact gap)."""
    x, response = best
    follower, _ = sub.solve(x, None)
    s, part = sub.structure, sub.part
    for v in part.vars:
        v.set_value(response[v.name], skip_validation=True)
    own = part.sign * pyo.value(part.objective.expr)
    check = FollowerCheck(part.name, own, 0.0)
    if follower is not None:
        check.best_response, check.method, check.exact = follower[0], "highs", True
        check.gap = max(0.0, own - follower[0])
    holds = check.gap is not None and check.gap <= check.tolerance()
    if not holds:
        check.message = f"{part.name} improves its objective by {check.gap} by deviating"
    equilibrium = EquilibriumCheck(holds, check.gap, [check], exact=True, message=check.message)
    objective = float(pyo.value(s.objective.expr))
    certificate = Certificate(
        checked=certifying(),  # certify=False: at most feasible, as under every method
        equilibrium=equilibrium,
        objective=objective,
        violation=_violation(s),
        global_bound=bound,
        claim=claim,
    )
    status, why = derive_status(claim, certificate)
    return Result(
        status=status,
        leader_objective=objective,
        reported_objective=objective,
        violation=certificate.violation,
        leader=nested_values(s.leader_vars, x),
        followers={
            part.name: nested_values(part.vars, [response[v.name] for v in part.vars], part.block)
        },
        history=history,
        message="; ".join(m for m in (message, why) if m),
        certificate=certificate,
    )
