"""Valid big-M values for the pairs 0 <= lam_j _|_ s_j >= 0 of an MPEC, derived from the model.

Every bound is an upper bound of lam_j or s_j over a relaxation of the MPEC's feasible set (the
complementarity dropped), so it holds at every MPEC point, the optimum included:

1. **FBBT** (feasibility-based bound tightening, :mod:`pyomo.contrib.fbbt`) on the whole KKT
   system: interval propagation through the stationarity rows, the followers' and the leader's
   constraints and the Var bounds (lam >= 0 among them), with a queue of constraints to run
   again (:func:`_tighten`);
2. **LP**: max lam_j and max s_j over the linear rows of the KKT system (a follower that is linear
   in its own Vars with coefficients that do not depend on the leader gives linear stationarity
   rows; nonlinear rows are dropped, which only relaxes), within the bounds of step 1, integrality
   relaxed; one HiGHS model (appsi, when installed) whose objective alone changes, and no LP for
   a side whose Vars are in no linear row (its maximum is its interval bound);
3. **vertex** (multipliers only): where the stationarity rows are r(x, y) + A^T lam + E^T nu = 0
   with constant A and E (followers whose constraints are linear in their own Vars with constant
   coefficients) and the multipliers appear nowhere else, some multiplier vector of every KKT
   point is a vertex of {lam >= 0, lam_j = 0 off the active set, A^T lam + E^T nu = -r}: its
   nonzero entries solve M_S w = -r for a set S of linearly independent columns of M = [A^T E^T].
   Over every such S (at most ``MAX_COLUMN_SETS``) and the interval of r after step 1,
   lam_j <= sum_k max(-P_jk r_k) with P = M_S^+. The MILP then keeps an optimal point with such
   multipliers (the leader's functions do not see them); valid when E has full column rank (the
   set is pointed), which is checked. Where M is block diagonal (up to a permutation: followers
   that no shared constraint joins), the set is the product of its blocks' and its vertices the
   products of theirs, so each block's column sets are enumerated alone: the same bound, from
   about 175 column sets per follower of 3 Vars and 4 rows rather than 60,000 for two together.

The smallest finite bound is kept, with where it came from. Each is widened by ``MARGIN`` so that
a solution at the bound's value is not mistaken for a solution held back by it (``active``).
A pair without a finite bound after all three needs M from the user (the derivation ends at the
first such pair): valid multiplier bounds are
in general as hard as the bilevel problem itself (Kleinert, Labbé, Plein and Schmidt 2020, "There's
no free lunch: on the hardness of choosing a correct big-M in bilevel optimization", Oper. Res.
68(6)), and the KKT polyhedron of a linear follower is unbounded whenever its multipliers are not
unique at some leader decision.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import deque
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.common.collections import ComponentMap, ComponentSet
from pyomo.common.errors import InfeasibleConstraintException
from pyomo.contrib.fbbt.fbbt import compute_bounds_on_expr, fbbt
from pyomo.core.expr.visitor import identify_variables
from pyomo.repn import generate_standard_repn

from stackopt.backends.mpec_problem import MPECProblem
from stackopt.backends.solver_interrupt import interruptible
from stackopt.backends.solvers import SOLVER_CALL
from stackopt.backends.strategies.base import OutOfTime

#: relative widening of a derived bound (see ``active``)
MARGIN = 1e-4
#: the most column sets the vertex bound enumerates (over all blocks) before it gives up (no bound)
MAX_COLUMN_SETS = 20000
#: FBBT runs a constraint again when a bound of one of its Vars improved by more than this
#: (Pyomo's default), and runs at most FBBT_PASSES times the number of constraints
FBBT_IMPROVEMENT = 1e-4
FBBT_PASSES = 10


#: the source of every bound when FBBT proves the MPEC's constraints infeasible: each holds
#: vacuously, and the solve reports the infeasibility
EMPTY = "fbbt: no feasible point"


@dataclass(frozen=True)
class Bound:
    """An upper bound and where it came from: "given" (the user's M), "fbbt", "lp",
    "vertex", or ``EMPTY``; None if none."""

    value: float | None
    source: str

    def widened(self) -> Bound:
        """The bound plus ``MARGIN`` relative (at least ``MARGIN`` absolute)."""
        if self.value is None:
            return self
        return Bound(max(0.0, self.value) + MARGIN * max(1.0, abs(self.value)), self.source)


def active(value: float, bound: float) -> bool:
    """Whether ``value`` is at its big-M ``bound`` (within 1e-6 relative): the MILP may have been
    held back by it."""
    return value >= bound - 1e-6 * max(1.0, abs(bound))


def derive(
    problem: MPECProblem, which: list[tuple[bool, bool]], deadline: float | None = None
) -> list[tuple[Bound, Bound]]:
    """(multiplier bound, slack bound) of every pair, each derived only where ``which[j]`` asks
    (the others are ``Bound(None, "")``). The model's Var bounds and domains are left as they were.

    The LPs of the sides that neither FBBT nor the vertex bound bounds run first, in pair order,
    and the first that stays unbounded ends the derivation (that pair needs an M from the user;
    the pairs after it are not looked at). Raises :class:`~.base.OutOfTime` once ``deadline`` (a
    ``time.perf_counter()`` instant) has passed, checked between FBBT's constraints, the LPs and
    the vertex bound's column sets. A Ctrl-C during an LP is raised as KeyboardInterrupt once
    that LP has returned (:mod:`stackopt.backends.solver_interrupt`).
    """
    saved = [(v, v.domain, v.lower, v.upper) for v in problem.model.component_data_objects(pyo.Var)]
    try:
        if not _tighten(problem.model, deadline):  # any bound holds on the empty set
            return [(Bound(0.0, EMPTY), Bound(0.0, EMPTY)) for _ in problem.pairs]
        fbbt_bounds = [
            (
                Bound(p.lam.ub if want[0] else None, "fbbt"),
                Bound(compute_bounds_on_expr(p.slack)[1] if want[1] else None, "fbbt"),
            )
            for p, want in zip(problem.pairs, which)
        ]
        vertex: list[float | None] = [None] * len(problem.pairs)
        if any(want[0] for want in which):
            vertex = _vertex_bounds(problem, deadline)
        known = [
            (_smaller(f[0], Bound(v if want[0] else None, "vertex")), f[1])
            for f, v, want in zip(fbbt_bounds, vertex, which)
        ]
        lp_bounds = _lp_maxima(problem, which, known, deadline)
    finally:
        for v, domain, lower, upper in saved:
            v.domain = domain
            v.lower, v.upper = lower, upper
    return [
        (_smaller(k[0], lp[0]).widened(), _smaller(k[1], lp[1]).widened())
        for k, lp in zip(known, lp_bounds)
    ]


def _check_time(deadline: float | None, doing: str) -> None:
    if deadline is not None and time.perf_counter() >= deadline:
        raise OutOfTime(f"time limit while deriving the big-M values ({doing})")


def _tighten(model: pyo.Block, deadline: float | None) -> bool:
    """FBBT on ``model``'s active constraints, in place: each constraint once, then again every
    constraint of a Var whose bound improved by more than ``FBBT_IMPROVEMENT`` (queued once until
    it runs), at most ``FBBT_PASSES`` times the number of constraints in all. (Pyomo's block FBBT
    runs the constraints of each improved Var separately, so a row with many Vars runs once per
    Var: 7 s against 0.3 s on the security game at the paper's size.) False when it proves the
    constraints infeasible (:func:`derive` then gives every pair the vacuous bound 0, ``EMPTY``,
    and the solve reports the infeasibility)."""
    rows = list(model.component_data_objects(pyo.Constraint, active=True))
    users: ComponentMap = ComponentMap()
    for c in rows:
        for v in identify_variables(c.body):
            users.setdefault(v, []).append(c)
    bounds = ComponentMap((v, (v.lb, v.ub)) for v in users)
    queue, queued, runs = deque(rows), {id(c) for c in rows}, 0
    try:
        while queue and runs < FBBT_PASSES * len(rows):
            _check_time(deadline, "FBBT")
            c = queue.popleft()
            queued.discard(id(c))
            runs += 1
            for v, (lb, ub) in fbbt(c, deactivate_satisfied_constraints=False).items():
                old_lb, old_ub = bounds[v]
                raised = lb is not None and (old_lb is None or lb > old_lb + FBBT_IMPROVEMENT)
                lowered = ub is not None and (old_ub is None or ub < old_ub - FBBT_IMPROVEMENT)
                if not (raised or lowered):
                    continue
                bounds[v] = (lb, ub)
                for other in users[v]:
                    if id(other) not in queued:
                        queued.add(id(other))
                        queue.append(other)
    except InfeasibleConstraintException:
        return False
    return True


def _lp_maxima(
    problem: MPECProblem,
    which: list[tuple[bool, bool]],
    known: list[tuple[Bound, Bound]],
    deadline: float | None,
) -> list[tuple[Bound, Bound]]:
    """max lam_j and max s_j over the linear rows of ``problem.model`` and its Var bounds, with
    integrality relaxed, by one HiGHS model whose objective changes; ``Bound(None, "lp")`` where
    unbounded, not linear, not asked, or in no row (its maximum is then its interval bound,
    ``known``). The sides without a ``known`` bound run first (:func:`derive`)."""
    out = [[Bound(None, "lp"), Bound(None, "lp")] for _ in which]
    try:
        from pyomo.contrib.appsi.solvers import Highs
    except ImportError:  # pragma: no cover - pyomo always ships appsi
        return [(a, b) for a, b in out]
    solver = Highs()
    available = solver.available()
    for v in problem.model.component_data_objects(pyo.Var):
        if not v.is_continuous():
            lb, ub = v.lb, v.ub
            v.domain = pyo.Reals
            v.setlb(lb)
            v.setub(ub)
    lp = pyo.ConcreteModel()
    lp.rows = pyo.ConstraintList()
    in_rows = ComponentSet()
    for c in problem.model.component_data_objects(pyo.Constraint, active=True):
        if _linear(c.body):
            lp.rows.add(c.expr)
            in_rows.update(identify_variables(c.body))
    lp.target = pyo.Objective(expr=0.0, sense=pyo.maximize)
    solver.config.load_solution = False
    for name in _UNCHANGED:  # between the LPs only the objective changes
        setattr(solver.update_config, name, False)
    sides = [
        (j, k, expr)
        for j, (p, want) in enumerate(zip(problem.pairs, which))
        for k, expr in enumerate((p.lam, p.slack))
        if want[k]
    ]
    unbounded_first = sorted(sides, key=lambda side: known[side[0]][side[1]].value is not None)
    for j, k, expr in unbounded_first:
        lp_able = (
            available and _linear(expr) and any(v in in_rows for v in identify_variables(expr))
        )
        if lp_able:
            _check_time(deadline, "LP")
            if deadline is not None:
                solver.config.time_limit = max(0.0, deadline - time.perf_counter())
            lp.target.expr = expr
            # appsi captures the process's output streams while it solves. A KeyboardInterrupt
            # raised inside HiGHS's interrupt callback would end the LP with HiGHS's model
            # emptied, and the next LP on it crash the process: a Ctrl-C is raised once the LP
            # has returned
            with SOLVER_CALL, interruptible():
                result = solver.solve(lp)
            condition = result.termination_condition.name
            if condition == "maxTimeLimit":
                raise OutOfTime("time limit while deriving the big-M values (LP)")
            if condition == "optimal":
                out[j][k] = Bound(result.best_objective_bound, "lp")
        if out[j][k].value is None and known[j][k].value is None:
            break  # this pair has no bound: the derivation has failed
    return [(a, b) for a, b in out]


#: the appsi update checks that the LPs of :func:`_lp_maxima` skip (their rows and Vars are fixed)
_UNCHANGED = (
    "check_for_new_or_removed_constraints",
    "check_for_new_or_removed_vars",
    "check_for_new_or_removed_params",
    "update_constraints",
    "update_vars",
    "update_params",
    "update_named_expressions",
)


def _vertex_bounds(problem: MPECProblem, deadline: float | None) -> list[float | None]:
    """The vertex bound of every pair's multiplier (module docstring, step 3), None for all when
    it does not apply."""
    kkt = problem.kkt
    lam, mults = kkt.lam, kkt.lam + kkt.nu
    col = {id(v): k for k, v in enumerate(mults)}
    unbounded: list[float | None] = [None] * len(lam)
    if _multipliers_elsewhere(problem, col):
        return unbounded
    rows = kkt.stationarity
    matrix = np.zeros((len(rows), len(mults)))
    r_lo, r_hi = np.zeros(len(rows)), np.zeros(len(rows))
    for i, c in enumerate(rows):
        repn = generate_standard_repn(c.body - c.upper, compute_values=True, quadratic=True)
        nonlinear = list(repn.quadratic_vars) + [(v,) for v in repn.nonlinear_vars]
        if any(id(v) in col for group in nonlinear for v in group):
            return unbounded  # a multiplier times a Var: A depends on the point
        rest = repn.constant + sum(
            coef * v for coef, v in zip(repn.linear_coefs, repn.linear_vars) if id(v) not in col
        )
        rest += sum(coef * a * b for coef, (a, b) in zip(repn.quadratic_coefs, repn.quadratic_vars))
        if repn.nonlinear_expr is not None:
            rest += repn.nonlinear_expr
        for coef, v in zip(repn.linear_coefs, repn.linear_vars):
            if id(v) in col:
                matrix[i, col[id(v)]] += coef
        lo, hi = compute_bounds_on_expr(rest) if not isinstance(rest, float | int) else (rest, rest)
        if lo is None or hi is None:
            return unbounded
        r_lo[i], r_hi[i] = lo, hi
    n_nu = len(mults) - len(lam)
    if n_nu and np.linalg.matrix_rank(matrix[:, len(lam) :]) < n_nu:
        return unbounded  # the multiplier set has lines: no vertex
    blocks = [
        (matrix[np.ix_(rows_b, cols_b)], rows_b, cols_b)
        for rows_b, cols_b in _blocks(matrix)
        if len(rows_b) and len(cols_b)
    ]
    ranks = [np.linalg.matrix_rank(block) for block, _, _ in blocks]
    column_sets = sum(
        math.comb(len(cols_b), k)
        for (_, _, cols_b), rank in zip(blocks, ranks)
        for k in range(1, rank + 1)
    )
    if column_sets > MAX_COLUMN_SETS:
        return unbounded
    bound = np.zeros(len(lam))
    for (block, rows_b, cols_b), rank in zip(blocks, ranks):
        for k in range(1, rank + 1):
            for subset in itertools.combinations(range(len(cols_b)), k):
                _check_time(deadline, "vertex bound")
                columns = block[:, subset]
                if np.linalg.matrix_rank(columns) < k:
                    continue
                pinv = np.linalg.pinv(columns)
                # w_S = -pinv r: each entry's largest value over the box r_lo <= r <= r_hi
                top = np.maximum(-pinv * r_lo[rows_b], -pinv * r_hi[rows_b]).sum(axis=1)
                for pos, j in enumerate(cols_b[list(subset)]):
                    if j < len(lam):
                        bound[j] = max(bound[j], top[pos])
    return [float(b) for b in bound]


def _blocks(matrix: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (rows, columns) of each diagonal block of ``matrix`` (up to a permutation): the
    connected components of the graph of its rows and columns with an edge at every nonzero entry.
    The multiplier set is the product of its blocks' sets, and its vertices the products of theirs:
    the vertex bound enumerates each block's column sets alone (two followers without a shared
    constraint: two blocks)."""
    # imported here: `import stackopt` (that names the strategies) must not load scipy
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n_rows, n_cols = matrix.shape
    rows, cols = np.nonzero(matrix)
    size = n_rows + n_cols
    graph = coo_matrix((np.ones(len(rows)), (rows, n_rows + cols)), shape=(size, size))
    count, label = connected_components(graph, directed=False)
    return [
        (np.flatnonzero(label[:n_rows] == c), np.flatnonzero(label[n_rows:] == c))
        for c in range(count)
    ]


def _multipliers_elsewhere(problem: MPECProblem, col: dict[int, int]) -> bool:
    """Whether a multiplier appears outside the stationarity rows (``stackopt.dual(c)`` in the
    leader's functions): the choice among multipliers then matters to the leader."""
    stationarity = {id(c) for c in problem.kkt.stationarity}
    exprs = [problem.leader_objective.expr] + [
        c.body
        for c in problem.model.component_data_objects(pyo.Constraint, active=True)
        if id(c) not in stationarity
    ]
    return any(id(v) in col for e in exprs for v in identify_variables(e))


def _linear(expr) -> bool:
    return generate_standard_repn(expr, quadratic=False).is_linear()


def _smaller(a: Bound, b: Bound) -> Bound:
    """The smaller finite bound of the two (``a`` on a tie), or ``a`` when neither is finite."""
    finite = [(x.value, x) for x in (a, b) if x.value is not None and math.isfinite(x.value)]
    if not finite:
        return Bound(None, a.source)
    return min(finite, key=lambda pair: pair[0])[1]
