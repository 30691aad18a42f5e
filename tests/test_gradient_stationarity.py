"""The gradient method stops as stationary only where the projected gradient vanishes, and steps
across a kink of the value function where the gradient is one-sided."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

import stackopt as so

from .games import valley

#: Algorithm 1 as the paper runs it
PAPER = {"lr": 0.01, "optimizer": "adam", "line_search": False}


def capped_copy(weight: float) -> so.StackelbergGame:
    """The follower copies the leader (y = x); the leader minimizes weight * x s.t. y <= 0.005."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 1), initialize=0.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(initialize=0.0)
    g.F.cost = pyo.Objective(expr=(g.F.y - g.x) ** 2)
    g.cost = pyo.Objective(expr=weight * g.x)
    g.cap = pyo.Constraint(expr=g.F.y <= 0.005)
    return g


def test_adam_momentum_into_a_bound_is_not_stationarity():
    # the objective pushes x over the cap, the penalty (mu = 1e4) pushes it back to its bound 0,
    # and Adam's momentum then points into the bound for 15 steps although the gradient points
    # inside: the step vanishes, the projected gradient does not, and x leaves the bound again
    res = so.solve(capped_copy(-1.0), method="gradient", mu=1e4, max_iter=60, **PAPER)
    assert [h["objective"] for h in res.history[3:18]] == [0.0] * 15
    assert len(res.history) == 60 and res.status == "feasible"
    assert res.leader_objective < -0.004


def test_a_bound_the_gradient_pushes_into_is_stationary():
    res = so.solve(capped_copy(1.0), method="gradient", max_iter=30, **PAPER)
    assert res.status == "locally_optimal"
    assert res.message == "stationary after 1 step"


def test_a_kink_of_the_value_function_is_crossed_along_the_linearized_mpecs_direction():
    # y(x) = |x1 - x2| (the follower's LP is degenerate at x1 = x2); F = 10 y - x1 - x2 / 2 on
    # [-2, 2]^2 decreases only along the kink x1 = x2, to -3 at (2, 2). From (0, 0) every step along
    # the one-sided gradient increases F; the linearized MPEC's descent direction does not
    g = so.StackelbergGame()
    g.x = pyo.Var([1, 2], bounds=(-2, 2), initialize=0.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(initialize=0.0)
    g.F.cost = pyo.Objective(expr=g.F.y)
    g.F.a = pyo.Constraint(expr=g.F.y >= g.x[1] - g.x[2])
    g.F.b = pyo.Constraint(expr=g.F.y >= g.x[2] - g.x[1])
    g.cost = pyo.Objective(expr=10 * g.F.y - g.x[1] - 0.5 * g.x[2])
    res = so.solve(g, method="gradient", multistart=1)
    assert res.success
    assert res.leader_objective == pytest.approx(-3.0, abs=1e-6)
    assert res.leader["x"][1] == pytest.approx(2.0, abs=1e-6)


def test_across_a_kink_the_step_is_the_least_norm_combination():
    import numpy as np

    from stackopt.backends.kink_bundle import across_kink

    def free(x):
        return x

    pi = np.zeros(2)
    # f = max(x1 + 2 x2, x1 - 2 x2): the gradients on both sides of x2 = 0; the least-norm
    # element of their hull is (1, 0), along the kink
    combined, where = across_kink(free, pi, np.array([1.0, 2.0]), [(pi + 1, np.array([1, -2]))], 1)
    assert combined == pytest.approx([1.0, 0.0], abs=1e-15)
    assert where == pytest.approx([1.0, 1.0])
    # steps that do not point against each other: no kink between
    assert across_kink(free, pi, np.array([1.0, 2.0]), [(pi, np.array([1.0, -0.1]))], 1) is None


def test_along_a_kink_valley_the_steps_follow_it():
    # projected gradient steps zig-zag across x1 = x2 (427 steps without the combined direction)
    res = so.solve(valley(), method="gradient", multistart=1)
    assert res.success
    assert res.leader_objective == pytest.approx(0.0, abs=1e-5)
    assert res.leader["x1"] == pytest.approx(1.0, abs=1e-5)
    assert any(row["kink"] for row in res.history)
    assert len(res.history) < 250


def test_a_stationary_inflection_is_polled_past():
    # F = (y - 1)^3 with y = x on [-2, 2]: descent from x = 2 stalls at the inflection x = 1
    # (F' = 0, no local minimum); the poll x - 0.4 decreases F, and the descent reaches x = -2
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(-2, 2), initialize=2.0)
    g.F = so.Follower()
    g.F.y = pyo.Var()
    g.F.cost = pyo.Objective(expr=(g.F.y - g.x) ** 2)
    g.obj = pyo.Objective(expr=(g.F.y - 1) ** 3)
    res = so.solve(g, method="gradient", multistart=1)
    assert res.success and res.leader["x"] == pytest.approx(-2.0)
    assert res.leader_objective == pytest.approx(-27.0)
    polled = [row for row in res.history if row.get("poll")]
    assert len(polled) == 1 and polled[0]["objective"] == pytest.approx(0.0, abs=1e-6)
