"""Closed-form projections against their definitions and against the cvxpy QP."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.backends.projection import (
    LinearSetProjection,
    project_capped_simplex,
    project_capped_simplices,
)


def test_simplex_closed_forms():
    assert project_capped_simplex(np.array([0.5, 0.5, 0.5]), 1.0) == pytest.approx([1 / 3] * 3)
    assert project_capped_simplex(np.array([2.0, 0.0, -1.0]), 1.0) == pytest.approx([1, 0, 0])
    # caps bind: y - tau = (2.5, 1.5, 0.5) clipped to [0, 1] sums to 2.5 at tau = -0.5
    y = np.array([2.0, 1.0, 0.0])
    assert project_capped_simplex(y, 2.5, 0.0, 1.0) == pytest.approx([1.0, 1.0, 0.5])
    # no bounds: a shift onto the hyperplane
    assert project_capped_simplex(y, 0.0, -np.inf, np.inf) == pytest.approx([1.0, 0.0, -1.0])


def test_capped_simplex_matches_the_qp():
    rng = np.random.default_rng(3)
    g = so.StackelbergGame()
    g.x = pyo.Var(range(12), bounds=(0, 1))
    g.total = pyo.Constraint(expr=sum(g.x.values()) == 4)
    proj = LinearSetProjection(list(g.x.values()), [g.total])
    assert proj.simplices is not None
    for _ in range(5):
        y = rng.normal(0.3, 1.0, 12)
        x = proj(y)
        assert x.sum() == pytest.approx(4.0)
        assert x == pytest.approx(proj._qp(y), abs=1e-5)  # the QP solver's accuracy


def test_infeasible_capped_simplex_is_named():
    with pytest.raises(so.ModelError, match="no point in the box sums to 5.0"):
        project_capped_simplex(np.zeros(3), 5.0, 0.0, 1.0)


def test_several_capped_simplices_at_once_match_the_qp():
    """Groups of different sizes, with caps, without caps and without any bound, in one call."""
    rng = np.random.default_rng(5)
    sizes, totals = [7, 3, 12, 4], np.array([2.0, 0.5, 6.0, -1.0])
    group = np.repeat(np.arange(4), sizes)
    lb = np.where(group == 3, -np.inf, 0.0)
    ub = np.select([group == 0, group == 2], [1.0, 0.8], np.inf)
    for _ in range(5):
        y = rng.normal(0.3, 1.0, len(group))
        x = project_capped_simplices(y, group, totals, lb, ub)
        assert np.bincount(group, x) == pytest.approx(totals)
        v = cp.Variable(len(y))
        cons = [cp.sum(v[group == k]) == totals[k] for k in range(4)]
        cons += [v[lb > -np.inf] >= lb[lb > -np.inf], v[ub < np.inf] <= ub[ub < np.inf]]
        cp.Problem(cp.Minimize(cp.sum_squares(v - y)), cons).solve()
        assert x == pytest.approx(v.value, abs=1e-5)  # the QP solver's accuracy
        for k in range(4):  # each group alone gives the same
            alone = project_capped_simplex(y[group == k], totals[k], lb[group == k], ub[group == k])
            assert x[group == k] == pytest.approx(alone, abs=1e-12)


def test_infeasible_group_is_named():
    group = np.array([0, 0, 1, 1])
    with pytest.raises(
        so.ModelError, match=r"no point in the box sums to 3.0 \(bounds sum to 0.0..2.0\)"
    ):
        project_capped_simplices(np.zeros(4), group, np.array([1.0, 3.0]), np.zeros(4), np.ones(4))
