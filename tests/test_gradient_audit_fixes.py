"""The gradient path at a weakly active follower constraint, against closed forms."""

import numpy as np
import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.backends.sensitivity import Sensitivity
from stackopt.kkt_evaluator import KKTEvaluator


def _redundant(x0: float, priced: bool = False, twice: bool = True) -> so.StackelbergGame:
    """min (y - x)^2 s.t. y <= 1, 2 y <= 2: y*(x) = min(x, 1); the multipliers are not unique for
    x > 1 (lam_1 + 2 lam_2 = 2 (x - 1)). The leader's objective -y + x / 2."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 3), initialize=x0)
    g.F = so.Follower()
    g.F.y = pyo.Var(initialize=0.0)
    g.F.o = pyo.Objective(expr=(g.F.y - g.x) ** 2)
    g.F.c = pyo.Constraint(expr=g.F.y <= 1)
    if twice:
        g.F.c2 = pyo.Constraint(expr=2 * g.F.y <= 2)
    g.obj = pyo.Objective(expr=-g.F.y + 0.5 * g.x + (so.dual(g.F.c) if priced else 0))
    return g


def test_the_weakly_active_warning_names_the_element_used():
    """min (y - x)^2, y <= 1 at x = 1: the one-sided derivatives of y are 1 (x < 1) and 0; the
    element along (1, 1) gives 2/3, the leader's -y + x/2 then -1/6."""
    ev = KKTEvaluator(_redundant(1.0, twice=False)).evaluate(np.array([1.0, 0.0]), np.array([1.0]))
    assert list(ev.weakly_active) == [0]
    s = Sensitivity(ev)
    assert s.forward()[0, 0] == pytest.approx(2 / 3, abs=1e-12)
    total = s.adjoint(ev.leader_cost_grad_z, ev.leader_cost_grad_pi)
    assert total[0] == pytest.approx(-1 / 6, abs=1e-12)
    (warning,) = s.warnings
    assert "along (1, 1)" in warning and "neither one-sided derivative" in warning
