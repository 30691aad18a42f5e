"""The followers' domain where every constraint is linear: an LP feasibility test.

With the leader's decision pi fixed, the followers can respond when

    {x : lo <= A_x x + A_pi pi + c <= hi,  the followers' Var bounds}

is not empty: one LP (HiGHS through scipy), exact where the Ipopt test of
:mod:`.feasible_start` is local, and about ten times faster (no model is written).
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
from pyomo.repn import generate_standard_repn
from scipy.optimize import linprog


class LinearDomain:
    """``feasible(pi)``: whether the LP of the module docstring has a point."""

    def __init__(self, a_x, a_pi, const, lo, hi, bounds):
        self.a_x, self.a_pi, self.const = a_x, a_pi, const
        self.lo, self.hi, self.bounds = lo, hi, bounds

    def feasible(self, pi: np.ndarray, time_limit: float | None = None) -> bool | None:
        """True or False, or None when HiGHS answers neither (numerical trouble, or no answer
        within ``time_limit`` seconds)."""
        shift = self.a_pi @ pi + self.const
        lo, hi = self.lo - shift, self.hi - shift
        eq = lo == hi
        up, down = ~eq & np.isfinite(hi), ~eq & np.isfinite(lo)
        a_ub = np.vstack([self.a_x[up], -self.a_x[down]])
        b_ub = np.concatenate([hi[up], -lo[down]])
        res = linprog(
            np.zeros(self.a_x.shape[1]),
            A_ub=a_ub if len(b_ub) else None,
            b_ub=b_ub if len(b_ub) else None,
            A_eq=self.a_x[eq] if eq.any() else None,
            b_eq=lo[eq] if eq.any() else None,
            bounds=self.bounds,
            method="highs",
            options={} if time_limit is None else {"time_limit": time_limit},
        )
        return {0: True, 2: False}.get(res.status)


def linear_domain(model, leader: list, followers: list) -> LinearDomain | None:
    """The LP of ``model``'s active constraints in the ``leader`` and ``followers`` Vars, or None
    when a constraint is not linear or uses another Var."""
    col = {id(v): i for i, v in enumerate(followers)}
    lead = {id(v): i for i, v in enumerate(leader)}
    rows_x, rows_pi, const, lo, hi = [], [], [], [], []
    for c in model.component_data_objects(pyo.Constraint, active=True):
        repn = generate_standard_repn(c.body, quadratic=False)
        if not repn.is_linear():
            return None
        a_x, a_pi = np.zeros(len(followers)), np.zeros(len(leader))
        for v, coef in zip(repn.linear_vars, repn.linear_coefs):
            if id(v) in col:
                a_x[col[id(v)]] += coef
            elif id(v) in lead:
                a_pi[lead[id(v)]] += coef
            else:
                return None
        rows_x.append(a_x)
        rows_pi.append(a_pi)
        const.append(float(repn.constant))
        lo.append(-np.inf if c.lower is None else float(pyo.value(c.lower)))
        hi.append(np.inf if c.upper is None else float(pyo.value(c.upper)))
    bounds = [(v.lb, v.ub) for v in followers]
    return LinearDomain(
        np.array(rows_x).reshape(len(rows_x), len(followers)),
        np.array(rows_pi).reshape(len(rows_pi), len(leader)),
        np.array(const),
        np.array(lo),
        np.array(hi),
        bounds,
    )
