"""Euclidean projection onto a box intersected with linear constraints on the same Vars.

It keeps the leader's equilibrium-independent constraints (its Vars' box and its linear
constraints on its own Vars), and a follower's own feasible set in projected gradient play.
Euclidean projection is in closed form for a box (clipping) and for disjoint capped simplices
{l <= x <= u, lo <= sum_{i in S} x_i <= hi} (:func:`project_capped_simplices`, all of them at
once); any other polyhedron is projected by a QP in cvxpy, unless clipping already meets it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pyomo.core.base.constraint import ConstraintData
from pyomo.core.base.var import VarData
from pyomo.repn import generate_standard_repn

from stackopt.errors import ModelError


def project_capped_simplices(
    y: np.ndarray, group: np.ndarray, totals: np.ndarray, lb: np.ndarray, ub: np.ndarray
) -> np.ndarray:
    """argmin ||x - y|| over {lb <= x <= ub, sum_{i: group_i = k} x_i = totals_k for every k}.

    The groups are disjoint, so the problem splits into one capped simplex per group, all solved
    at once. For each group the KKT conditions give x_i = clip(y_i - tau_k, lb_i, ub_i) with one
    scalar tau_k solving s_k(tau) = sum_{i in k} clip(y_i - tau, lb_i, ub_i) = totals_k. s_k is
    continuous, non-increasing and piecewise linear, with kinks at y_i - ub_i (x_i leaves ub) and
    y_i - lb_i (x_i reaches lb); sorting the kinks within each group and accumulating the slopes
    finds the linear piece where s_k crosses totals_k (the sort-based algorithm of Duchi et al.
    2008, Fig. 1, extended to boxes, as in Held, Wolfe and Crowder 1974).
    """
    n_groups = len(totals)
    low, high = (np.bincount(group, bound, minlength=n_groups) for bound in (lb, ub))
    for k in np.flatnonzero(~((low <= totals) & (totals <= high))):
        raise ModelError(
            f"no point in the box sums to {totals[k]} (bounds sum to {low[k]}..{high[k]})"
        )
    enter, leave = y - ub, y - lb  # x_i is strictly inside its box for enter_i < tau < leave_i
    finite_enter, finite_leave = np.isfinite(enter), np.isfinite(leave)
    kinks = np.concatenate([enter[finite_enter], leave[finite_leave]])
    of = np.concatenate([group[finite_enter], group[finite_leave]])
    change = np.repeat([-1.0, 1.0], [finite_enter.sum(), finite_leave.sum()])
    order = np.lexsort((kinks, of))  # by group, then by kink
    kinks, of, change = kinks[order], of[order], change[order]
    count = np.bincount(of, minlength=n_groups)
    start = np.cumsum(count) - count  # each group's first kink
    has = count > 0
    first = np.zeros(n_groups)
    first[has] = kinks[start[has]]
    at_first = np.bincount(group, np.clip(y - first[group], lb, ub), minlength=n_groups)
    slope_left = -np.bincount(group, ~np.isfinite(ub), minlength=n_groups)  # as tau -> -inf
    changed = np.cumsum(change)
    before = np.zeros(n_groups)
    before[has] = changed[start[has]] - change[start[has]]
    slopes = slope_left[of] + changed - before[of]  # the slope of s_k right of each kink
    rise = np.zeros(len(kinks))
    same = of[1:] == of[:-1]
    rise[1:][same] = (slopes[:-1] * np.diff(kinks))[same]
    rose = np.cumsum(rise)
    s = at_first[of] + rose - rose[start[of]]  # s_k at each kink
    above = np.bincount(of, s >= totals[of], minlength=n_groups).astype(int)
    tau = np.empty(n_groups)
    left = has & (above == 0)  # s_k crosses left of its first kink
    tau[left] = first[left] + (totals[left] - at_first[left]) / slope_left[left]
    inside = above > 0
    j = start[inside] + above[inside] - 1  # the last kink with s_k >= totals_k
    flat = slopes[j] == 0
    tau[inside] = kinks[j] + np.divide(
        totals[inside] - s[j], slopes[j], out=np.zeros(len(j)), where=~flat
    )
    free = ~has  # no finite bound in the group: a shift onto the hyperplane
    sizes = np.bincount(group, minlength=n_groups)
    tau[free] = (np.bincount(group, y, minlength=n_groups)[free] - totals[free]) / sizes[free]
    return np.clip(y - tau[group], lb, ub)


def project_capped_simplex(
    y: np.ndarray, total: float, lb: np.ndarray | float = 0.0, ub: np.ndarray | float = np.inf
) -> np.ndarray:
    """argmin ||x - y|| over {lb <= x <= ub, sum x = total}, exactly (one group of
    :func:`project_capped_simplices`); lb = 0, ub = inf is the simplex {x >= 0, sum x = total}."""
    y = np.asarray(y, float)
    lb, ub = (np.broadcast_to(b, y.shape).astype(float) for b in (lb, ub))
    return project_capped_simplices(y, np.zeros(len(y), int), np.array([float(total)]), lb, ub)


def _meets_box(
    c: ConstraintData, a: np.ndarray, shift: float, lo: float, hi: float, box: tuple
) -> None:
    """Raise where row ``c`` (lo <= a x <= hi, its body a x + shift) misses the box (lb, ub): a x
    ranges over [sum_i min(a_i lb_i, a_i ub_i), sum_i max(a_i lb_i, a_i ub_i)] there (0 where
    a = 0, as after fixing its Vars). A RuntimeError, not a ModelError: the set is empty, the game
    may have no feasible point, and so.solve then asks whether it has any."""
    on = a != 0
    ends = np.stack([a[on] * box[0][on], a[on] * box[1][on]])
    low, high = float(ends.min(axis=0).sum()), float(ends.max(axis=0).sum())
    slack = 1e-9 * max(1.0, *(abs(v) for v in (low, high, lo, hi) if np.isfinite(v)))
    if high < lo - slack or low > hi + slack:
        raise RuntimeError(
            f"constraint {c.name} holds at no point within its Vars' bounds: its body lies in "
            f"[{low + shift:.10g}, {high + shift:.10g}] there, and it asks for "
            f"[{lo + shift:.10g}, {hi + shift:.10g}]"
        )


class LinearSetProjection:
    """``project(y)``: the closest point to ``y`` in {lb <= x <= ub, lo <= A x <= hi}.

    The box's projection clip(y) is the answer when it meets the rows. Rows with unit coefficients
    on disjoint sets of Vars (lo <= sum_{i in S} x_i <= hi) are projected in closed form: where the
    clipped sum leaves [lo, hi] the row is active at the projection (else clip(y), the box's
    projection, would be it), a capped simplex with the total at the bound it crosses. Other rows:
    a QP in cvxpy, compiled once with y as its parameter.
    """

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
            _meets_box(c, a, shift, lo[-1], hi[-1], (self.lb, self.ub))
        self.A = np.array(rows).reshape(len(rows), n)
        self.lo, self.hi = np.array(lo, float), np.array(hi, float)
        groups = self._unit_rows()
        #: the equality rows as capped simplices (their coordinates, total), or None when some row
        #: is not a disjoint unit-coefficient equality (closed form for play, which needs it)
        self.simplices = (
            [(idx, float(self.hi[k])) for k, idx in enumerate(groups)]
            if groups is not None and np.array_equal(self.lo, self.hi)
            else None
        )
        self._groups = None
        if groups:  # (their coordinates, the row of each)
            self._groups = (
                np.concatenate(groups),
                np.repeat(np.arange(len(groups)), [len(idx) for idx in groups]),
            )
        # the QP (x, target, problem), built on first use
        self._problem: tuple[Any, Any, Any] | None = None

    def _unit_rows(self) -> list[np.ndarray] | None:
        """Each row's coordinates when every row has unit coefficients on disjoint sets of Vars."""
        used = np.zeros(self.A.shape[1], bool)
        out = []
        for a in self.A:
            idx = np.flatnonzero(a)
            if not np.all(a[idx] == 1.0) or used[idx].any():
                return None
            used[idx] = True
            out.append(idx)
        return out

    def __call__(self, y: np.ndarray) -> np.ndarray:
        x = np.minimum(np.maximum(y, self.lb), self.ub)  # np.clip, without its overhead
        if not len(self.A):
            return x
        if self._groups is not None:
            at, row = self._groups
            sums = np.bincount(row, x[at], minlength=len(self.lo))
            totals = np.minimum(np.maximum(sums, self.lo), self.hi)
            off = np.flatnonzero(sums != totals)
            if len(off):
                moved = np.isin(row, off)
                renumber = np.zeros(len(self.lo), int)
                renumber[off] = np.arange(len(off))
                x[at[moved]] = project_capped_simplices(
                    y[at[moved]], renumber[row[moved]], totals[off], self.lb[at[moved]],
                    self.ub[at[moved]],
                )  # fmt: skip
            return x
        ax = self.A @ x
        if np.all((self.lo <= ax) & (ax <= self.hi)):
            return x
        return self._qp(y)

    def _qp(self, y: np.ndarray) -> np.ndarray:
        import cvxpy as cp

        if self._problem is None:
            x, target = cp.Variable(len(y)), cp.Parameter(len(y))
            cons = []
            for bound, sign in ((self.lb, 1), (self.ub, -1)):
                m = np.isfinite(bound)
                if m.any():
                    cons.append(sign * x[m] >= sign * bound[m])
            for bound, sign in ((self.lo, 1), (self.hi, -1)):
                m = np.isfinite(bound)
                if m.any():
                    cons.append(sign * (self.A[m] @ x) >= sign * bound[m])
            self._problem = x, target, cp.Problem(cp.Minimize(cp.sum_squares(x - target)), cons)
        x, target, problem = self._problem
        target.value = np.asarray(y, float)
        problem.solve()
        if x.value is None:
            # a status, not a model error: so.solve then asks whether the game has any point
            raise RuntimeError(
                "the projection's set (a box and linear constraints on the same Vars: the "
                "leader's own, or a follower's) is empty: cvxpy finds no point in it"
            )
        return np.asarray(x.value, float)
