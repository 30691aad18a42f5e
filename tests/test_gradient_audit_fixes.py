"""The gradient path at a nonconvex follower, redundant follower constraints and a weakly active one,
against closed forms."""

import numpy as np
import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.backends.leader_sensitivity import DegenerateEquilibrium
from stackopt.backends.sensitivity import Sensitivity
from stackopt.kkt_evaluator import KKTEvaluator


def _double_well(x0: float) -> so.StackelbergGame:
    """The follower's cost (y^2 - 1)^2 - x y has two wells; the leader wants y = 0.5."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(-2, 2), initialize=x0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(-2, 2), initialize=1.0)
    g.F.o = pyo.Objective(expr=(g.F.y**2 - 1) ** 2 - g.x * g.F.y)
    g.obj = pyo.Objective(expr=(g.F.y - 0.5) ** 2 + 0.1 * (g.x - 0.5) ** 2)
    return g


def _double_well_value(x: float) -> float:
    """The leader's objective at the follower's global best response: the real roots of
    4 y^3 - 4 y - x = 0 and the bounds +-2, the one of least cost."""
    roots = [r.real for r in np.roots([4.0, 0.0, -4.0, -x]) if abs(r.imag) < 1e-12]
    candidates = [y for y in roots if -2 <= y <= 2] + [-2.0, 2.0]
    y = min(candidates, key=lambda y: (y**2 - 1) ** 2 - x * y)
    return (y - 0.5) ** 2 + 0.1 * (x - 0.5) ** 2


def test_a_run_returns_its_start_where_its_end_point_is_worse():
    """From x = 1.5 (value 0.524 at the global best response) Newton follows the right-hand well
    past x = 0, where it is no longer the best response: the end point's honest value is 2.34."""
    res = so.solve(_double_well(1.5), method="gradient", multistart=1)
    assert res.status == "feasible"
    assert res.leader["x"] == pytest.approx(1.5, abs=1e-12)
    assert res.leader_objective == pytest.approx(_double_well_value(1.5), abs=1e-8)
    assert res.leader_objective == pytest.approx(0.524306, abs=1e-6)
    end = res.info["end_point"]
    assert end["objective"] == pytest.approx(_double_well_value(end["leader"]["x"]), abs=1e-6)
    assert end["objective"] > 2.0
    assert "returned the run's start" in res.message


def test_the_default_starts_are_no_worse_than_the_model_start():
    res = so.solve(_double_well(1.5), method="gradient")
    assert res.success
    assert res.leader_objective == pytest.approx(_double_well_value(res.leader["x"]), abs=1e-8)
    assert res.leader_objective <= _double_well_value(1.5)


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


def _evaluated(game: so.StackelbergGame) -> so.Result:
    return so.solve(game, method="initial", load_solution=False, certify=False)


def test_redundant_constraints_have_a_unique_derivative():
    """At x = 2: y = 1, dy/dx = 0, d(-y + x/2)/dx = 0.5; the prices of c and c2 are not unique."""
    res = _evaluated(_redundant(2.0))
    assert res.followers["F"]["y"] == pytest.approx(1.0, abs=1e-9)
    assert min(res.duals.values()) < -1e-3  # both constraints priced: J_z is singular
    s = so.sensitivity(_redundant(2.0), res)
    assert s.objective["x"] == pytest.approx(0.5, abs=1e-9)
    assert s.equilibrium["F.y"]["x"] == pytest.approx(0.0, abs=1e-9)
    assert s.prices == {}
    assert any("not unique" in w for w in s.warnings)


def test_a_leader_objective_reading_a_non_unique_price_has_no_derivative():
    res = _evaluated(_redundant(2.0, priced=True))
    with pytest.raises(DegenerateEquilibrium, match="multipliers that are not unique"):
        so.sensitivity(_redundant(2.0, priced=True), res)


def test_a_kink_and_a_non_isolated_equilibrium_are_told_apart():
    """y <= 1 and y <= x at x = 1 with both priced: y*(x) = min(x, 1) has a kink. y1 + y2 = x:
    a line of equilibria."""
    kink = _redundant(1.0)
    kink.F.y.set_value(1.0)
    kink.F.o.set_value((kink.F.y - 2) ** 2)
    kink.F.c2.set_value(kink.F.y <= kink.x)
    with pytest.raises(DegenerateEquilibrium, match="kink"):
        so.sensitivity(kink, _evaluated(kink))
    flat = so.StackelbergGame()
    flat.x = pyo.Var(bounds=(0, 3), initialize=2.0)
    flat.F = so.Follower()
    flat.F.y = pyo.Var([1, 2], bounds=(0, 5), initialize=0.0)
    flat.F.o = pyo.Objective(expr=(flat.F.y[1] + flat.F.y[2] - flat.x) ** 2)
    flat.obj = pyo.Objective(expr=flat.F.y[1])
    with pytest.raises(DegenerateEquilibrium, match="not isolated"):
        so.sensitivity(flat, _evaluated(flat))


def test_gradient_reaches_the_kink_in_few_steps_with_redundant_constraints():
    """The optimum is x = 1, value -0.5 (the kink of y = min(x, 1)), as without c2."""
    res = so.solve(_redundant(2.5), method="gradient", multistart=1)
    assert res.status == "locally_optimal"
    assert res.leader["x"] == pytest.approx(1.0, abs=1e-8)
    assert res.leader_objective == pytest.approx(-0.5, abs=1e-8)
    assert len(res.history) <= 10


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
