"""Euclidean projection onto a box intersected with linear constraints on the same Vars.

It keeps the leader's equilibrium-independent constraints (its Vars' box and its linear
constraints on its own Vars), and a follower's own feasible set in projected gradient play.
Euclidean projection is in closed form for a box (clipping) and for disjoint capped simplices
{l <= x <= u, sum_{i in S} x_i = c} (:func:`project_capped_simplex`); any other polyhedron is
projected by a QP in cvxpy.
"""

from __future__ import annotations

import numpy as np
from pyomo.core.base.constraint import ConstraintData
from pyomo.core.base.var import VarData
from pyomo.repn import generate_standard_repn

from stackopt.errors import ModelError


def project_capped_simplex(
    y: np.ndarray, total: float, lb: np.ndarray | float = 0.0, ub: np.ndarray | float = np.inf
) -> np.ndarray:
    """argmin ||x - y|| over {lb <= x <= ub, sum x = total}, exactly.

    The KKT conditions give x = clip(y - tau, lb, ub) with one scalar tau solving
    s(tau) = sum_i clip(y_i - tau, lb_i, ub_i) = total. s is continuous, non-increasing and
    piecewise linear, with kinks at y_i - ub_i (x_i leaves ub) and y_i - lb_i (x_i reaches lb);
    sorting the kinks and accumulating the slopes finds the linear piece where s crosses total
    (the sort-based algorithm of Duchi et al. 2008, Fig. 1, extended to boxes, as in Held, Wolfe
    and Crowder 1974). lb = 0, ub = inf is the simplex {x >= 0, sum x = total}.
    """
    y = np.asarray(y, float)
    lb, ub = np.broadcast_to(lb, y.shape).astype(float), np.broadcast_to(ub, y.shape).astype(float)
    if not lb.sum() <= total <= ub.sum():
        raise ModelError(
            f"no point in the box sums to {total} (bounds sum to {lb.sum()}..{ub.sum()})"
        )
    enter, leave = y - ub, y - lb  # x_i is strictly inside its box for enter_i < tau < leave_i
    kinks = np.concatenate([enter[np.isfinite(enter)], leave[np.isfinite(leave)]])
    change = np.concatenate([-np.ones(np.isfinite(enter).sum()), np.ones(np.isfinite(leave).sum())])
    if kinks.size == 0:  # no bounds: a shift onto the hyperplane
        return y - (y.sum() - total) / y.size
    order = np.argsort(kinks, kind="stable")
    kinks, change = kinks[order], change[order]
    slope_left = -float(np.sum(~np.isfinite(ub)))  # coordinates free as tau -> -inf
    slopes = slope_left + np.cumsum(change)  # slope of s right of each kink
    s = np.clip(y - kinks[0], lb, ub).sum() + np.concatenate(
        [[0.0], np.cumsum(slopes[:-1] * np.diff(kinks))]
    )
    j = int(np.searchsorted(-s, -total, side="right")) - 1  # last kink with s >= total
    if j < 0:
        tau = kinks[0] + (total - s[0]) / slope_left
    elif slopes[j] == 0:
        tau = kinks[j]
    else:
        tau = kinks[j] + (total - s[j]) / slopes[j]
    return np.clip(y - tau, lb, ub)


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
        """The disjoint unit-coefficient sum rows (capped simplices), or None if not all rows are."""
        used = np.zeros(self.A.shape[1], bool)
        out = []
        for a, lo, hi in zip(self.A, self.lo, self.hi):
            idx = np.flatnonzero(a)
            if lo != hi or not np.all(a[idx] == 1.0) or used[idx].any():
                return None
            used[idx] = True
            out.append((idx, float(hi)))
        return out

    def __call__(self, y: np.ndarray) -> np.ndarray:
        if self.simplices is not None:
            x = np.minimum(np.maximum(y, self.lb), self.ub)  # np.clip, without its overhead
            for idx, total in self.simplices:
                x[idx] = project_capped_simplex(y[idx], total, self.lb[idx], self.ub[idx])
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
