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


def test_unit_inequality_rows_in_closed_form_match_the_qp():
    """Disjoint rows lo <= sum x_S <= hi: clipping where it meets them, else a capped simplex at
    the bound it crosses (the row is active at the projection)."""
    rng = np.random.default_rng(7)
    g = so.StackelbergGame()
    g.x = pyo.Var(range(6), bounds=(0, 2))
    g.budget = pyo.Constraint(expr=g.x[0] + g.x[1] + g.x[2] <= 3)
    g.floor = pyo.Constraint(expr=pyo.inequality(1, g.x[3] + g.x[4], 2.5))
    proj = LinearSetProjection(list(g.x.values()), [g.budget, g.floor])
    assert proj.simplices is None  # inequalities: not the equality simplices play needs
    for _ in range(8):
        y = rng.normal(1.0, 1.5, 6)
        x = proj(y)
        assert x == pytest.approx(proj._qp(y), abs=1e-4)  # the QP solver's accuracy
    # (2, 2, 2) clipped sums to 6 > 3: shifted by 1 onto the budget
    assert proj(np.array([2.0, 2.0, 2.0, 1.0, 0.5, 7.0])) == pytest.approx([1, 1, 1, 1, 0.5, 2])


def test_a_point_whose_clipping_meets_general_rows_needs_no_qp():
    g = so.StackelbergGame()
    g.x = pyo.Var(range(2), bounds=(0, 5))
    g.half = pyo.Constraint(expr=g.x[0] + 2 * g.x[1] <= 2)
    proj = LinearSetProjection(list(g.x.values()), [g.half])
    assert proj(np.array([-1.0, 0.5])) == pytest.approx([0.0, 0.5], abs=0)
    assert proj._problem is None  # the QP was never built
    assert proj(np.array([2.0, 2.0])) == pytest.approx([1.2, 0.4], abs=1e-5)
