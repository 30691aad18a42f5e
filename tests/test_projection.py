"""Closed-form projections against their definitions and against the cvxpy QP."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.backends.projection import LinearSetProjection, project_capped_simplex


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
