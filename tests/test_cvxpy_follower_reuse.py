"""Games with cvxpy followers after a solve: clones, sensitivities and the followers' prices."""

import cvxpy as cp
import numpy as np
import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.backends.cvxpy_equilibrium import CvxpyEquilibrium
from stackopt.backends.leader_sensitivity import DegenerateEquilibrium
from stackopt.models import cournot
from stackopt.structure import analyze

from .test_cvxpy_follower import cvxpy_cournot, cvxpy_duopoly, shippers


def _same(res, again, tol):
    assert again.status == res.status
    assert again.leader_objective == pytest.approx(res.leader_objective, abs=tol)
    assert again.followers.keys() == res.followers.keys()
    for name, value in res.leader.items():
        assert np.ravel(_values(again.leader[name])) == pytest.approx(
            np.ravel(_values(value)), abs=tol
        )


def _values(entry):
    return list(entry.values()) if isinstance(entry, dict) else [entry]


@pytest.mark.parametrize("build", [cvxpy_duopoly, cvxpy_cournot, shippers])
def test_a_clone_solves_as_the_game_it_copies(build):
    g = build()
    before = g.clone()
    res = so.solve(g, method="gradient")
    _same(res, so.solve(before, method="gradient"), 0.0)
    # after the solve the clone holds the returned point, and solves exactly as the same game
    # built afresh with that point
    after, fresh = g.clone(), build()
    for v in g.component_data_objects(pyo.Var):
        fresh.find_component(v.name).set_value(v.value)
    _same(so.solve(fresh, method="gradient"), so.solve(after, method="gradient"), 0.0)


# not cvxpy_cournot: the same game built afresh at its optimum (q0 = 45) moves q0 by 1e-2, as its
# clone does, where the line search compares objectives within the equilibrium's tolerance
@pytest.mark.parametrize("build", [cvxpy_duopoly, shippers])
def test_a_clone_of_a_solved_game_returns_its_solution(build):
    g = build()
    res = so.solve(g, method="gradient")
    _same(res, so.solve(g.clone(), method="gradient"), 1e-6)


def test_a_clone_maps_its_parameters_to_its_own_vars_and_shared_decisions_to_one_copy():
    g = cvxpy_cournot()
    so.solve(g, method="gradient")
    h = g.clone()
    twins = [h.F0.cvxpy_twin, h.F1.cvxpy_twin]
    for i, twin in enumerate(twins):
        targets = list(twin.parameters.values())
        assert targets[0] is h.q0
        # the other follower's decision Variable is the other twin's copy, not the original's
        assert targets[1] is twins[1 - i].decisions["q"]
        assert targets[1] is not g.component(f"F{1 - i}").cvxpy_twin.decisions["q"]
        assert set(twin.problem.parameters()) == set(twin.parameters)
        assert twin.problem is not g.component(f"F{i}").cvxpy_twin.problem


def capped_follower():
    """A follower max 98 q - q^2 on the cvxpy bounds [0, cap] with cap the leader's decision."""
    g = so.StackelbergGame()
    g.cap = pyo.Var(bounds=(0, 100), initialize=10.0)
    cap = cp.Parameter()
    q = cp.Variable(bounds=[0, cap])
    g.F = so.cvxpy_follower(cp.Problem(cp.Maximize(98 * q - cp.square(q))), {"q": q}, {cap: g.cap})
    g.profit = pyo.Objective(expr=-((g.F.q - 30) ** 2) - 0.1 * g.cap, sense=pyo.maximize)
    return g


def test_a_clone_rebuilds_variable_bounds_on_its_own_parameters():
    g = capped_follower()
    res = so.solve(g, method="gradient")
    assert res.leader["cap"] == pytest.approx(29.95, abs=1e-4)  # q = cap, -(cap - 30)^2 - cap/10
    h = g.clone()
    h.cap.set_value(10.0)  # the original's Parameter still holds about 29.95
    assert so.solve(h, method="initial").followers["F"]["q"] == pytest.approx(10.0, abs=1e-6)


def test_sensitivity_of_a_cvxpy_duopoly_is_the_closed_form_and_finite_differences():
    # q(q0) = (98 - q0) / 2, profit (95 - q0 - q) q0 = (46 - q0 / 2) q0: derivative 46 - q0
    def at(q0):
        g = cvxpy_duopoly()
        g.q0.set_value(q0)
        return g, so.solve(g, method="initial")

    g, res = at(30.0)
    s = so.sensitivity(g, res)
    h = 1e-2
    difference = (at(30 + h)[1].leader_objective - at(30 - h)[1].leader_objective) / (2 * h)
    assert s.objective["q0"] == pytest.approx(16.0, abs=1e-5)
    assert s.objective["q0"] == pytest.approx(difference, abs=1e-4)
    assert s.equilibrium["F.q"]["q0"] == pytest.approx(-0.5, abs=1e-6)
    assert s.prices == {} and s.warnings


def test_sensitivity_of_cvxpy_cournot_matches_the_pyomo_twin():
    g = cvxpy_cournot()
    g.q0.set_value(20.0)
    s = so.sensitivity(g, so.solve(g, method="initial"))
    twin = cournot(n=2)
    twin.q0.set_value(20.0)
    reference = so.sensitivity(twin, so.solve(twin, method="initial"))
    # profit (90 - q0) q0 / 3 with q_i = (90 - q0) / 3: derivative (90 - 2 q0) / 3
    assert s.objective["q0"] == pytest.approx(50 / 3, abs=1e-5)
    assert s.objective["q0"] == pytest.approx(reference.objective["q0"], abs=1e-5)
    for cvx, pyomo_name in (("F0.q", "F[1].q"), ("F1.q", "F[2].q")):
        assert s.equilibrium[cvx]["q0"] == pytest.approx(-1 / 3, abs=1e-6)
        assert s.equilibrium[cvx]["q0"] == pytest.approx(
            reference.equilibrium[pyomo_name]["q0"], abs=1e-6
        )


def test_sensitivity_of_the_shippers_matches_finite_differences_of_the_equilibrium():
    # the flows are affine in the tolls while no route empties and the latency is quadratic in
    # them, so central differences are exact up to the equilibria's accuracy
    t, h = np.array([0.3, 0.1]), 0.05

    def latency(tolls):
        structure = analyze(shippers())
        x = CvxpyEquilibrium(structure, tol=1e-10).solve(tolls, np.full(6, 0.5))
        flows = x.reshape(3, 2).sum(axis=0)
        return float(flows @ (np.array([1.0, 2.0]) + np.array([1.0, 0.5]) * flows))

    g = shippers()
    g.t.set_values({0: t[0], 1: t[1]})
    s = so.sensitivity(g, so.solve(g, method="initial"))
    for r in range(2):
        step = np.eye(2)[r] * h
        difference = (latency(t + step) - latency(t - step)) / (2 * h)
        assert s.objective["t"][r] == pytest.approx(difference, abs=1e-6)


def test_sensitivity_refuses_a_weakly_active_follower_constraint_by_name():
    # max 98 q - q^2 peaks at q = 49: with cap = 49 the constraint q <= cap binds with
    # multiplier 0, where q*(cap) = min(cap, 49) has a kink
    g = so.StackelbergGame()
    g.cap = pyo.Var(bounds=(0, 100), initialize=49.0)
    q, cap = cp.Variable(), cp.Parameter()
    problem = cp.Problem(cp.Maximize(98 * q - cp.square(q)), [(q <= cap).set_label("cap")])
    g.F = so.cvxpy_follower(problem, {"q": q}, {cap: g.cap})
    g.profit = pyo.Objective(expr=-((g.F.q - 30) ** 2), sense=pyo.maximize)
    res = so.solve(g, method="initial")
    with pytest.raises(DegenerateEquilibrium, match=r"F\.cap"):
        so.sensitivity(g, res)


def test_duals_of_a_cvxpy_follower_match_the_closed_form_and_the_pyomo_twin():
    # at q0 = 46 the follower max (98 - q0) q - q^2 wants q = 26 > 20: the cap binds, price
    # d/d cap of (98 - q0) cap - cap^2 = 52 - 40 = 12; q >= 0 is slack, price 0
    g = so.StackelbergGame()
    g.q0 = pyo.Var(bounds=(0, 100), initialize=46.0)
    q, q0 = cp.Variable(), cp.Parameter()
    problem = cp.Problem(
        cp.Maximize(98 * q - q0 * q - cp.square(q)), [q >= 0, (q <= 20).set_label("cap")]
    )
    g.F = so.cvxpy_follower(problem, {"q": q}, {q0: g.q0})
    g.profit = pyo.Objective(expr=(95 - g.q0 - g.F.q) * g.q0, sense=pyo.maximize)
    twin = so.StackelbergGame()
    twin.q0 = pyo.Var(bounds=(0, 100), initialize=46.0)
    twin.F = so.Follower()
    twin.F.q = pyo.Var()
    twin.F.low = pyo.Constraint(expr=twin.F.q >= 0)
    twin.F.cap = pyo.Constraint(expr=twin.F.q <= 20)
    twin.F.profit = pyo.Objective(
        expr=98 * twin.F.q - twin.q0 * twin.F.q - twin.F.q**2, sense=pyo.maximize
    )
    twin.profit = pyo.Objective(expr=(95 - twin.q0 - twin.F.q) * twin.q0, sense=pyo.maximize)
    duals = so.solve(g, method="initial").duals
    reference = so.solve(twin, method="initial").duals
    assert set(duals) == {"F.constraints[0]", "F.cap"}
    assert duals["F.cap"] == pytest.approx(12.0, abs=1e-6)
    assert duals["F.cap"] == pytest.approx(reference["F.cap"], abs=1e-6)
    assert duals["F.constraints[0]"] == pytest.approx(reference["F.low"], abs=1e-6)


@pytest.mark.parametrize("data_first", [False, True])
def test_prices_of_a_minimizing_follower_take_the_data_side(data_first):
    # min (a - 1)^2 + (b - 5)^2 s.t. a + b = r, b >= d at r = 4, d = 4.5: both bind (on the
    # line alone b = 4), f*(r, d) = (r - d - 1)^2 + (d - 5)^2, df*/dr = 2 (r - d - 1) = -3 and
    # df*/dd = -2 (r - d - 1) + 2 (d - 5) = 3 - 1 = 2
    g = so.StackelbergGame()
    g.r = pyo.Var(initialize=4.0)
    a, b, r = cp.Variable(), cp.Variable(), cp.Parameter()
    total = (r == a + b) if data_first else (a + b == r)
    floor = (4.5 <= b) if data_first else (b >= 4.5)
    problem = cp.Problem(
        cp.Minimize(cp.square(a - 1) + cp.square(b - 5)),
        [total.set_label("total"), floor.set_label("floor")],
    )
    g.F = so.cvxpy_follower(problem, {"a": a, "b": b}, {r: g.r})
    g.cost = pyo.Objective(expr=g.F.a**2)
    duals = so.solve(g, method="initial").duals
    assert duals == pytest.approx({"F.total": -3.0, "F.floor": 2.0}, abs=1e-6)


def test_vector_constraints_are_priced_entry_by_entry():
    # shippers: each x_r >= 0 is slack at the untolled equilibrium (price 0), sum(x) == 1 has
    # the price d cost*/d 1 of shipper i, its marginal route cost a_r + b_r (x_r + f_r) = 3 at
    # x_r = 1/2, f_r = 3/2
    duals = so.solve(shippers(), method="initial").duals
    assert set(duals) == {f"S{i}.constraints[1]" for i in range(3)} | {
        f"S{i}.constraints[0][{r}]" for i in range(3) for r in range(2)
    }
    for i in range(3):
        assert duals[f"S{i}.constraints[1]"] == pytest.approx(3.0, abs=1e-6)
        for r in range(2):
            assert duals[f"S{i}.constraints[0][{r}]"] == pytest.approx(0.0, abs=1e-6)
