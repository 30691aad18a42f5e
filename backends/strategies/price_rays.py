"""Whether a global solver's optimum of a price game can be trusted: prices without bound.

Where the leader's functions use follower prices (``stackopt.dual``), the MPEC lets the leader pick
the followers' multipliers too (the optimistic reading). A multiplier set that is unbounded at
some point the followers may reach then makes a price unbounded there, and the optimistic value
may be unbounded as well: PAO's Bard 5.1.1 with ``dual(c4)`` in the leader's cost has at x = 4
the multipliers lam4 = (1 + lam3) / 2, lam3 >= 0, and its cost x - 4y - lam4 falls without end;
SCIP, branching on SOS1 sets of unbounded Vars, reports "optimal" -7 at x = 1 all the same (and
"unbounded" with x held near 4).

The multiplier set at a point has the recession directions (d, e) with

    sum_j d_j grad_y g_j + sum_k e_k grad_y h_k = 0   (each follower's stationarity, y its Vars),
    d_j >= 0,  d_j = 0 where g_j < 0 (rows inactive there).

Where every follower row is affine with constant coefficients, the gradients are the same at every
point. :func:`unbounded_prices` first asks whether a priced constraint's price c . (d, e) can be
nonzero on the cone C of these directions without the activity condition (two LPs by HiGHS
through scipy, normalized by sum d + sum |e| <= 1); where it can, it asks SCIP whether such a
direction exists whose rows are all active at one point satisfying every follower row and the
leader's bounds and affine constraints (an SOS1 set {d_j, s_j} per inequality, s_j = -g_j): a
strategic generator's ray (its balance and both capacity bounds active) needs a supply of 14
for a demand of 10, and is no ray of any point. A price that is nonzero on such a direction,
or every price where a row is not affine or SCIP cannot decide, makes the exact strategies'
"optimal" prove no global optimum (a caveat, :mod:`.exact_polish`). Where the leader's cost is a
sum c . (lam, nu) + terms without multipliers and no leader constraint uses a price, only a
direction that lowers the cost (c . (d, e) < 0) counts: with -dual(c4) in Bard 5.1.1's cost the
ray raises it, and SCIP's optimum -11.5 at x = 4 stands.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.visitor import identify_variables
from pyomo.repn import generate_standard_repn

from stackopt.backends.solvers import available, run_solver
from stackopt.kkt import KKTSystem

#: a price whose largest value on the normalized directions is at most this is 0 on them
RAY_TOL = 1e-7
#: SCIP's time for one priced constraint's question, seconds (the games with prices are small:
#: Bard 5.1.1's takes 0.02 s)
RAY_SECONDS = 10.0


def unbounded_prices(kkt: KKTSystem) -> list[str]:
    """The priced constraints (those ``stackopt.dual`` names in the leader's functions) whose
    price may grow without bound (module docstring). Empty without prices."""
    priced = sorted({ref.constraint.name for ref in kkt.structure.duals})
    if not priced:
        return []
    rows = list(kkt.inequalities) + list(kkt.equalities)
    repns = [generate_standard_repn(row.expr, quadratic=False) for row in rows]
    if not all(repn.is_linear() for repn in repns):
        return priced
    cone = _Cone(kkt, rows, repns)
    slope = _objective_slope(kkt)
    if slope is not None:  # only a direction that lowers the leader's cost counts
        return priced if cone.grows(slope, signs=(-1.0,)) else []
    terms = kkt.price_terms()
    first = len(kkt.primal)
    return [name for name in priced if cone.grows(_price(terms.get(name, []), first, len(rows)))]


def _price(terms: list[tuple[int, float]], first: int, n_rows: int) -> np.ndarray:
    """A price's coefficients on the multipliers (lam, then nu)."""
    price = np.zeros(n_rows)
    for k, coef in terms:
        price[k - first] += coef
    return price


def _objective_slope(kkt: KKTSystem) -> np.ndarray | None:
    """The leader's cost in minimization form as c . (lam, nu) + terms without multipliers, c's
    constants, where it is such a sum and no leader constraint uses a multiplier; None otherwise
    (then both signs of every price count)."""
    multipliers = {id(v): j for j, v in enumerate(kkt.lam + kkt.nu)}
    structure = kkt.structure
    for c in structure.constraints:
        if any(id(v) in multipliers for v in identify_variables(c.body)):
            return None
    repn = generate_standard_repn(structure.objective.expr, quadratic=False)
    if repn.nonlinear_expr is not None and any(
        id(v) in multipliers for v in identify_variables(repn.nonlinear_expr)
    ):
        return None
    slope = np.zeros(len(multipliers))
    for v, coef in zip(repn.linear_vars, repn.linear_coefs):
        if id(v) in multipliers:
            slope[multipliers[id(v)]] += structure.leader_sign * float(coef)
    return slope


class _Cone:
    """The followers' affine rows g_j = a_j . w + b_j (w every Var they use) and the cone of
    multiplier directions (module docstring)."""

    def __init__(self, kkt: KKTSystem, rows: list, repns: list):
        self.n_ineq, self.n_rows = len(kkt.inequalities), len(rows)
        self.kkt = kkt
        position = {id(v): r for r, v in enumerate(kkt.primal)}
        owner = {id(v): i for i, part in enumerate(kkt.structure.followers) for v in part.vars}
        self.vars: dict[int, Any] = {}
        self.matrix = np.zeros((len(position), self.n_rows))
        self.rows: list[tuple[dict[int, float], float]] = []
        for j, (row, repn) in enumerate(zip(rows, repns)):
            coefs: dict[int, float] = {}
            for v, coef in zip(repn.linear_vars, repn.linear_coefs):
                self.vars.setdefault(id(v), v)
                coefs[id(v)] = coefs.get(id(v), 0.0) + coef
                i = owner.get(id(v))
                if i is not None and i in row.binds:
                    self.matrix[position[id(v)], j] += coef / row.weights[row.binds.index(i)]
            self.rows.append((coefs, float(repn.constant)))

    def grows(self, price: np.ndarray, signs: tuple[float, ...] = (1.0, -1.0)) -> bool:
        """Whether sign * price . (d, e) > 0 for one of ``signs`` on a direction of some point."""
        return bool(price.any()) and any(
            self._on_cone(sign * price)
            and (not available("scip") or self._at_a_point(sign * price))
            for sign in signs
        )

    def _on_cone(self, price: np.ndarray) -> bool:
        """Whether price . (d, e) > 0 on the cone without the activity condition (an LP)."""
        from scipy.optimize import linprog  # here: importing stackopt loads no scipy

        n_eq = self.n_rows - self.n_ineq
        split = np.hstack([self.matrix, -self.matrix[:, self.n_ineq :]])  # d, e+, e-
        objective = np.concatenate([price, -price[self.n_ineq :]])
        lp = linprog(
            -objective,
            A_ub=np.ones((1, self.n_rows + n_eq)),
            b_ub=[1.0],
            A_eq=split,
            b_eq=np.zeros(len(split)),
            bounds=[(0, None)] * (self.n_rows + n_eq),
            method="highs",
        )
        return lp.status != 0 or -lp.fun > RAY_TOL

    def _at_a_point(self, price: np.ndarray) -> bool:
        """Whether SCIP finds a direction with price . (d, e) > 0 whose rows are active at a
        point of the followers' rows and the leader's bounds and affine constraints (True where
        it cannot decide)."""
        m = self._model(price)
        run = run_solver(m, "scip", time_limit=RAY_SECONDS)
        if run.status == "infeasible":
            return False
        return run.status != "optimal" or pyo.value(m.price) > RAY_TOL

    def _model(self, price: np.ndarray) -> pyo.ConcreteModel:
        m = pyo.ConcreteModel()
        keys = list(self.vars)
        m.w = pyo.Var(range(len(keys)))
        for k, key in enumerate(keys):
            v = self.vars[key]
            m.w[k].setlb(v.lb)
            m.w[k].setub(v.ub)
            if v.fixed:
                m.w[k].fix(v.value)
        index = {key: k for k, key in enumerate(keys)}

        def body(coefs: dict[int, float], constant: float) -> Any:
            return sum(c * m.w[index[key]] for key, c in coefs.items()) + constant

        rows = range(self.n_rows)
        ineq = range(self.n_ineq)
        m.d = pyo.Var(rows, bounds=(0, 1))  # d_j, then e_k
        for k in range(self.n_ineq, self.n_rows):
            m.d[k].setlb(-1)
        m.e_abs = pyo.Var(rows, bounds=(0, 1))
        m.abs_up = pyo.Constraint(rows, rule=lambda m, j: m.d[j] <= m.e_abs[j])
        m.abs_down = pyo.Constraint(rows, rule=lambda m, j: -m.d[j] <= m.e_abs[j])
        m.normal = pyo.Constraint(expr=sum(m.e_abs[j] for j in rows) <= 1)
        m.stationary = pyo.Constraint(
            range(len(self.matrix)),
            rule=lambda m, r: (
                sum(self.matrix[r, j] * m.d[j] for j in rows if self.matrix[r, j]) == 0
            ),
        )
        m.s = pyo.Var(ineq, bounds=(0, None))
        m.slack = pyo.Constraint(ineq, rule=lambda m, j: m.s[j] == -body(*self.rows[j]))
        m.equal = pyo.Constraint(
            range(self.n_ineq, self.n_rows), rule=lambda m, k: body(*self.rows[k]) == 0
        )
        m.binding = pyo.SOSConstraint(ineq, rule=lambda m, j: [m.d[j], m.s[j]], sos=1)
        m.leader = pyo.ConstraintList()
        for c in self.kkt.structure.constraints:
            repn = generate_standard_repn(c.body, quadratic=False)
            if c.active and repn.is_linear() and all(id(v) in index for v in repn.linear_vars):
                coefs = {id(v): float(a) for v, a in zip(repn.linear_vars, repn.linear_coefs)}
                value = body(coefs, float(repn.constant))
                if c.lower is not None:
                    m.leader.add(value >= pyo.value(c.lower))
                if c.upper is not None:
                    m.leader.add(value <= pyo.value(c.upper))
        m.price = pyo.Expression(expr=sum(p * m.d[j] for j, p in enumerate(price) if p))
        m.objective = pyo.Objective(expr=m.price, sense=pyo.maximize)
        return m
