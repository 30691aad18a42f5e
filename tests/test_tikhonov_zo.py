"""Tikhonov-regularized zeroth-order leader on a followers' game with a continuum of equilibria.

Closed forms for ``continuum_equilibria(target=2, favourite=2, start=(0, 1))`` (see the model's
docstring): the optimistic MPEC answer is x = 2 with F = 0; the phi-induced stationary point for
phi = ||y||^2 / 2 is x = 12/5 with y = (6/5, 6/5) and F = 2/5; a gradient on the equilibrium the
warm-started oracle keeps (y_0 - y_1 = d = -1 from the start) reaches x = (12 - d)/5 = 13/5, F = 9/10.
A selection centred at c, phi = ||y - c||^2 / 2, induces d = c_0 - c_1.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.errors import OptionError
from stackopt.models import continuum_equilibria, duopoly

from .games import bounded_domain

FAST = dict(max_iter=60, eps_decay=2.0)


def test_mpec_tikhonov_and_naive_gradient_reach_three_different_closed_forms():
    optimistic = so.solve(continuum_equilibria(), "mpec")
    induced = so.solve(continuum_equilibria(), "tikhonov-zo", **FAST)
    naive = so.solve(continuum_equilibria(), "stackelberg-br", step=0.5)
    assert optimistic.leader["x"] == pytest.approx(2.0, abs=1e-6)
    assert optimistic.leader_objective == pytest.approx(0.0, abs=1e-8)
    assert induced.status == "feasible"
    assert induced.leader["x"] == pytest.approx(12 / 5, abs=1e-3)
    assert induced.followers["F[0]"]["y"] == pytest.approx(6 / 5, abs=1e-3)
    assert induced.followers["F[1]"]["y"] == pytest.approx(6 / 5, abs=1e-3)
    assert induced.leader_objective == pytest.approx(2 / 5, abs=1e-3)
    assert naive.leader["x"] == pytest.approx(13 / 5, abs=1e-5)
    assert naive.leader_objective == pytest.approx(9 / 10, abs=1e-5)
    k = induced.info["iterations"]
    assert k < 60 and induced.history[-1]["eps"] <= 1 / k**2  # s <= 1: eps continued
    assert max(induced.info["stationarity"], induced.info["spread"]) <= 1e-3


def test_without_regularization_the_zeroth_order_leader_follows_the_arbitrary_equilibrium():
    r = so.solve(continuum_equilibria(), "tikhonov-zo", eps0=0.0, max_iter=60)
    assert r.leader["x"] == pytest.approx(13 / 5, abs=1e-3)
    assert r.followers["F[0]"]["y"] - r.followers["F[1]"]["y"] == pytest.approx(-1.0, abs=1e-9)


def test_a_centred_selection_induces_its_own_stationary_point():
    def centred(g):
        return ((g.F[0].y - 1.0) ** 2 + g.F[1].y ** 2) / 2

    r = so.solve(continuum_equilibria(), "tikhonov-zo", selection=centred, **FAST)
    x = (12 - 1) / 5
    assert r.leader["x"] == pytest.approx(x, abs=1e-3)
    assert r.followers["F[0]"]["y"] == pytest.approx((x + 1) / 2, abs=1e-3)


@pytest.mark.parametrize(
    ("option", "match"),
    [
        ({"radius": 0.0}, "radius must be > 0"),
        ({"eps0": -1.0}, "eps0 must be >= 0"),
        ({"eps_decay": -0.5}, "eps_decay must be >= 0"),
        ({"start": {"y": 1.0}}, "start names \\['y'\\]"),
        ({"schedule": "1/k^3"}, "option schedule must be one of .constant., "),
    ],
)
def test_bad_options_are_refused_naming_the_option(option, match):
    with pytest.raises(OptionError, match=match):
        so.solve(continuum_equilibria(), "tikhonov-zo", **option)


def test_a_leader_constraint_is_kept_by_projection():
    g = continuum_equilibria()
    g.cap = pyo.Constraint(expr=g.x <= 2.2)  # the induced point 12/5 lies beyond it
    r = so.solve(g, "tikhonov-zo", **FAST)
    assert r.status == "feasible" and r.violation == 0.0
    assert r.leader["x"] == pytest.approx(2.2, abs=1e-12)
    g.link = pyo.Constraint(expr=g.x >= g.F[0].y)
    with pytest.raises(so.ModelError, match="link"):
        so.solve(g, "tikhonov-zo")


def four_leaders() -> so.StackelbergGame:
    """min sum_i (x_i - 1)^2 / 2 + (y - 2)^2 / 2 with the follower's y = sum_i x_i: x_i = 3/5,
    F = 2/5; the curvature along (1, 1, 1, 1) is 5."""
    g = so.StackelbergGame()
    g.x = pyo.Var(range(4), bounds=(-10, 10), initialize=0.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(initialize=0.0)
    g.F.cost = pyo.Objective(expr=(g.F.y - sum(g.x.values())) ** 2 / 2)
    g.cost = pyo.Objective(expr=sum((v - 1) ** 2 for v in g.x.values()) / 2 + (g.F.y - 2) ** 2 / 2)
    return g


def test_four_leader_variables_converge_instead_of_diverging():
    r = so.solve(four_leaders(), "tikhonov-zo", eps0=0.0, max_iter=400)
    assert r.status == "feasible"
    assert list(r.leader["x"].values()) == pytest.approx([0.6] * 4, abs=2e-3)
    assert r.leader_objective == pytest.approx(0.4, abs=1e-5)


def test_a_leader_that_has_not_settled_is_not_feasible():
    """A budget too small to settle ends unconverged, not feasible."""
    r = so.solve(four_leaders(), "tikhonov-zo", eps0=0.0, max_iter=15)
    assert r.status == "iteration_limit" and "not converged" in r.message


def test_a_black_box_follower_oracle():
    def response(leader):  # the follower's unique best response, found outside the model
        return {"F.y": sum(leader.values())}

    r = so.solve(four_leaders(), "tikhonov-zo", oracle=response, max_iter=400)
    assert r.status == "feasible"
    assert list(r.leader["x"].values()) == pytest.approx([0.6] * 4, abs=2e-3)
    with pytest.raises(OptionError, match="selection applies to oracle='kkt'"):
        so.solve(four_leaders(), "tikhonov-zo", oracle=response, selection=lambda g: 0)


def log_follower(start: float = 1.0) -> so.StackelbergGame:
    """The follower minimizes x y - log y over y > 0, so y(x) = 1/x; the leader minimizes
    (y - 3)^2 over x in [0.1, 10]: x = 1/3, F = 0. From x = 1 (y = 1) F = 4. With the weight,
    eps y^2 + x y = 1, so the regularized optimum x = (1 - 9 eps)/3 sits at the bound 0.1 while
    eps >= 7/90, where the true response y = 10 gives F = 49."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0.1, 10), initialize=start)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(1e-6, None), initialize=1 / start)
    g.F.cost = pyo.Objective(expr=g.x * g.F.y - pyo.log(g.F.y))
    g.cost = pyo.Objective(expr=(g.F.y - 3) ** 2)
    return g


def test_a_leader_held_at_a_bound_by_a_large_eps_does_not_stop_there():
    """eps_k = 1/k: at step 12 the window's test passes at the bound (the old stop: F = 49 there
    against 4 at the start); the selection gap |F_eps - F_0| = 49 continues eps on the scale
    0.5 tol / 49, where the leader settles at x = (1 - 9 eps)/3 ~ 1/3 and F_0 <= tol."""
    rows = []
    r = so.solve(log_follower(), "tikhonov-zo", callback=rows.append)
    measured = [row for row in rows if not np.isnan(row["selection_gap"])]
    assert [row["iteration"] for row in measured[:1]] == [12]
    assert measured[0]["point"] == [0.1]
    assert measured[0]["selection_gap"] == pytest.approx(49, abs=0.1)
    assert r.status == "feasible" and r.info["iterations"] < 60
    eps = r.info["final_eps"]
    assert eps <= 0.5e-3 / 49 / 12
    assert r.leader["x"] == pytest.approx((1 - 9 * eps) / 3, abs=1e-4)
    assert r.followers["F"]["y"] == pytest.approx(1 / r.leader["x"], rel=1e-6)
    assert r.leader_objective <= 1e-3 and r.info["selection_gap"] <= 1e-3


def test_the_duopoly_settles_with_defaults_and_is_judged_at_the_true_response():
    """The duopoly's Stackelberg point is q0 = 46, q = (100 - 2 - q0) / 2 = 26, profit 1058. The
    spread was the range times |q0| (x^2 units), which the leader tracking its eps-moving optimum
    never met: iteration_limit after 300 steps. Relative to |q0| it settles, eps continues, and
    the Result is judged at the follower's response, not at the regularized one, an equilibrium
    only within the Nash gap's tolerance, where the leader would gain O(eps)."""
    r = so.solve(duopoly(), "tikhonov-zo")
    assert r.status == "feasible" and r.info["selection_gap"] <= 1e-3
    assert r.leader["q0"] == pytest.approx(46.0, abs=1e-2)
    assert r.followers["F"]["q"] == pytest.approx((98 - r.leader["q0"]) / 2, abs=1e-6)
    assert r.leader_objective <= 1058.0 + 1e-9


def test_a_probe_out_of_the_followers_domain_returns_the_last_decision_that_had_its_equilibria():
    """The follower's y in [0, 3 - x] exists only for x <= 3 and the leader maximizes x: a step's
    probes beyond 3 have no equilibrium. The run ends error there, judged at the last decision
    whose step had all three equilibria (it raised, and returned no point)."""
    g = bounded_domain()
    rows = []
    r = so.solve(g, "tikhonov-zo", callback=rows.append)
    assert r.status == "error" and r.message.startswith(f"step {len(rows) + 1}: no regularized")
    assert [r.leader["x"]] == rows[-1]["point"] and 2.0 <= r.leader["x"] <= 3.0
    assert r.followers["F"]["y"] == pytest.approx(min(1.0, 3 - r.leader["x"]), abs=1e-7)
    assert r.leader_objective == pytest.approx(r.leader["x"])


def test_probes_stay_in_the_leader_s_set_where_the_follower_has_none_outside():
    """0 <= y <= x: at the bound x = 0 the follower's set is {0}, and outside it (x = -delta,
    where a symmetric probe went) it is empty. There the probes are projected onto the leader's
    box, and the run from x = 0 reaches the optimum: y = min(x, 1), F = (x - 3/2)^2 - 2 min(x, 1) is least
    at x = 3/2, F = -2."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 2))
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, None))
    g.F.c = pyo.Constraint(expr=g.F.y <= g.x)
    g.F.cost = pyo.Objective(expr=(g.F.y - 1) ** 2)
    g.cost = pyo.Objective(expr=(g.x - 1.5) ** 2 - 2 * g.F.y)
    r = so.solve(g, "tikhonov-zo", start={"x": 0.0})
    assert r.status == "feasible"
    assert r.leader["x"] == pytest.approx(1.5, abs=1e-3)
    assert r.leader_objective == pytest.approx(-2.0, abs=1e-6)


@pytest.mark.parametrize("maximize", [False, True])
def test_a_maximizing_follower_s_price_keeps_its_sign(maximize):
    """The market clears at the price bid (a bid above the rival's 30 is marginal), so the leader's
    bid - bid^2 / 100 is largest at bid = 50, worth 25, whether the operator minimizes its cost or
    maximizes its negative (the regularized follower was rewritten as a minimizer, which flipped
    the sign of its price: tikhonov-zo went to the lowest bid)."""
    g = so.StackelbergGame()
    g.bid = pyo.Var(bounds=(40, 100), initialize=45)
    g.M = so.Follower()
    g.M.g0 = pyo.Var(bounds=(0, 8), initialize=0.0)
    g.M.g1 = pyo.Var(bounds=(0, 6), initialize=0.0)
    cost = g.bid * g.M.g0 + 30 * g.M.g1
    sense = pyo.maximize if maximize else pyo.minimize
    g.M.cost = pyo.Objective(expr=-cost if maximize else cost, sense=sense)
    g.M.balance = pyo.Constraint(expr=g.M.g0 + g.M.g1 >= 10)
    price = -so.dual(g.M.balance) if maximize else so.dual(g.M.balance)
    g.value = pyo.Objective(expr=price - 0.01 * g.bid**2, sense=pyo.maximize)
    res = so.solve(g, method="tikhonov-zo")
    assert res.leader["bid"] == pytest.approx(50.0, abs=0.5)
    assert res.leader_objective == pytest.approx(25.0, abs=1e-2)
