"""Euclidean projection onto a box intersected with linear constraints on the same Vars.

It keeps the leader's equilibrium-independent constraints (its Vars' box and its linear
constraints on its own Vars), and a follower's own feasible set in projected gradient play. Euclidean projection is in closed form for a box (clipping) and for disjoint simplices
{x >= 0, sum_{i in S} x_i = c} (Duchi et al. 2008, the sort-based algorithm); any other polyhedron
is projected by a QP in cvxpy.
"""

from __future__ import annotations

import numpy as np
from pyomo.core.base.constraint import ConstraintData
from pyomo.core.base.var import VarData
from pyomo.repn import generate_standard_repn

from stackopt.errors import ModelError


def _simplex(y: np.ndarray, total: float) -> np.ndarray:
    """argmin ||x - y|| over {x >= 0, sum x = total} (Duchi et al. 2008, Fig. 1)."""
    u = np.sort(y)[::-1]
    css = np.cumsum(u) - total
    rho = np.nonzero(u * np.arange(1, len(y) + 1) > css)[0][-1]
    return np.maximum(y - css[rho] / (rho + 1.0), 0.0)


class LinearSetProjection:
    """``project(y)``: the closest point to ``y`` in {lb <= x <= ub, lo <= A x <= hi}."""

    def __init__(self, leader_vars: list[VarData], constraints: list[ConstraintData]):
        n = len(leader_vars)
        self.lb = np.array([-np.inf if v.lb is None else v.lb for v in leader_vars], float)
        self.ub = np.array([np.inf if v.ub is None else v.ub for v in leader_vars], float)
        col = {id(v): i for i, v in enumerate(leader_vars)}
        rows, lo, hi = [], [], []
        for c in constraints:
            repn = generate_standard_repn(c.body, quadratic=False)
            if not repn.is_linear() or any(id(v) not in col for v in repn.linear_vars):
                raise ModelError(
                    f"{c.name} is not linear in the projected Vars alone; it cannot be kept by "
                    "projection"
                )
            a = np.zeros(n)
            for v, coef in zip(repn.linear_vars, repn.linear_coefs):
                a[col[id(v)]] += coef
            rows.append(a)
            shift = repn.constant
            lo.append(-np.inf if c.lower is None else c.lb - shift)
            hi.append(np.inf if c.upper is None else c.ub - shift)
        self.A = np.array(rows).reshape(len(rows), n)
        self.lo, self.hi = np.array(lo, float), np.array(hi, float)
        self.simplices = self._as_simplices()

    def _as_simplices(self) -> list[tuple[np.ndarray, float]] | None:
        """The disjoint unit-coefficient simplices the rows describe, or None if they do not."""
        used = np.zeros(self.A.shape[1], bool)
        out = []
        for a, lo, hi in zip(self.A, self.lo, self.hi):
            idx = np.flatnonzero(a)
            if lo != hi or not np.all(a[idx] == 1.0) or used[idx].any():
                return None
            if np.any(self.lb[idx] != 0) or np.any(self.ub[idx] < hi):
                return None
            used[idx] = True
            out.append((idx, float(hi)))
        return out

    def __call__(self, y: np.ndarray) -> np.ndarray:
        if self.simplices is not None:
            x = np.clip(y, self.lb, self.ub)
            for idx, total in self.simplices:
                x[idx] = _simplex(y[idx], total)
            return x
        return self._qp(y)

    def _qp(self, y: np.ndarray) -> np.ndarray:
        import cvxpy as cp

        x = cp.Variable(len(y))
        cons = []
        for bound, sign in ((self.lb, 1), (self.ub, -1)):
            m = np.isfinite(bound)
            if m.any():
                cons.append(sign * x[m] >= sign * bound[m])
        for bound, sign in ((self.lo, 1), (self.hi, -1)):
            m = np.isfinite(bound)
            if m.any():
                cons.append(sign * (self.A[m] @ x) >= sign * bound[m])
        cp.Problem(cp.Minimize(cp.sum_squares(x - y)), cons).solve()
        if x.value is None:
            raise ModelError("the linear constraints kept by projection are infeasible")
        return np.asarray(x.value, float)
