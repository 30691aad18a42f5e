"""The differentiable path: implicit gradients against finite differences, and the gradient method."""

import numpy as np
import pytest

import stackopt as so
from stackopt.backends.leader_steps import MAX_HALVINGS
from stackopt.backends.oracles.kkt import KKTOracle
from stackopt.backends.projection import LinearSetProjection
from stackopt.backends.sensitivity import Sensitivity
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.models import cournot, duopoly, qre_subsidy

#: Algorithm 1 as the paper runs it
PAPER = {"lr": 0.01, "optimizer": "adam", "line_search": False}


def _equilibrium_cost(game, pi):
    ev = KKTEvaluator(game)
    oracle = KKTOracle(game, ev)
    start = {v.name: (v.value or 0.0) for v in ev.kkt.primal}
    z0, _ = ev.values_of(start | dict(zip(ev.leader_names, pi)))
    return ev, oracle, oracle(pi, z0)


def _check_gradient(game, pi, h=1e-5):
    ev, oracle, eq = _equilibrium_cost(game, pi)
    assert eq.converged
    at = ev.evaluate(eq.z, pi)
    sens = Sensitivity(at)
    grad = sens.adjoint(at.leader_cost_grad_z, at.leader_cost_grad_pi)

    def cost(p):
        return ev.evaluate(oracle(p, eq.z).z, p, derivatives=False).leader_cost

    eye = np.eye(len(pi))
    fd = np.array([(cost(pi + h * e) - cost(pi - h * e)) / (2 * h) for e in eye])
    assert np.max(np.abs(grad - fd)) <= 1e-5 * max(1.0, np.max(np.abs(fd)))
    # forward mode agrees with adjoint mode: d cost/d pi = g_pi + g_z . dz/dpi
    forward = at.leader_cost_grad_pi + at.leader_cost_grad_z @ sens.forward()
    assert forward == pytest.approx(grad, rel=1e-8, abs=1e-10)
    return grad


def test_duopoly_gradient_matches_closed_form_and_fd():
    grad = _check_gradient(duopoly(), np.array([30.0]))
    # leader profit (46 - q0/2) q0: d(-profit)/dq0 = q0 - 46
    assert grad == pytest.approx([30.0 - 46.0], abs=1e-8)


def test_cournot_gradient_with_two_followers():
    grad = _check_gradient(cournot(n=2), np.array([20.0]))
    # profit q0 (90 - q0)/3: d(-profit)/dq0 = (2 q0 - 90)/3
    assert grad == pytest.approx([(40.0 - 90.0) / 3], abs=1e-8)


def test_qre_subsidy_gradient_matches_finite_differences():
    game = qre_subsidy(n=3, actions=3, budget=1.0, seed=0)
    ev = KKTEvaluator(game)
    pi = np.random.default_rng(1).uniform(0, 1, ev.n_pi)
    _check_gradient(game, pi)


LIBRARY = {
    "bard1": lambda: so.models.bard1(),
    "security_game": lambda: so.models.security_game(
        defenders=2, targets=8, patrol=6, resources=1.5, rationality=1.0, seed=0
    ),
    "cyber_insurance": lambda: so.models.cyber_insurance(agents=3, seed=0),
    "torus_location": lambda: so.models.torus_location(),
    "covariance_game": lambda: so.models.covariance_game(m=2, seed=1),
    "cournot3": lambda: cournot(n=3),
}


@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_library_game_gradients_match_finite_differences(name):
    """At a random leader decision inside the bounds (a unique, nondegenerate equilibrium)."""
    game = LIBRARY[name]()
    ev = KKTEvaluator(game)
    lo = np.array([-1.0 if v.lb is None else v.lb for v in ev.leader_vars])
    hi = np.array(
        [lo[i] + 2 if v.ub is None else min(v.ub, lo[i] + 2) for i, v in enumerate(ev.leader_vars)]
    )
    pi = np.random.default_rng(0).uniform(lo, hi)
    grad = _check_gradient(game, pi)
    assert np.max(np.abs(grad)) > 1e-3  # a non-trivial gradient, not a flat corner


def test_gradient_method_reaches_duopoly_stackelberg():
    res = so.solve(
        duopoly(), method="gradient", optimizer="sgd", lr=0.5, line_search=False, max_iter=500
    )
    assert res.status == "locally_optimal"
    assert res.leader["q0"] == pytest.approx(46, abs=1e-3)
    assert res.followers["F"]["q"] == pytest.approx(26, abs=1e-3)
    assert res.leader_objective == pytest.approx(1058, abs=1e-6)
    assert {"objective", "violation", "multipliers", "residual", "step_time"} <= set(res.history[0])


def test_gradient_method_reaches_cournot_stackelberg():
    res = so.solve(
        cournot(n=2), method="gradient", optimizer="adam", lr=1.0, line_search=False, max_iter=3000
    )
    assert res.leader["q0"] == pytest.approx(45, abs=1e-3)
    assert res.leader_objective == pytest.approx(675, abs=1e-5)


def test_augmented_lagrangian_meets_the_budget():
    game = qre_subsidy(n=3, actions=3, budget=0.5, seed=0)
    res = so.solve(game, method="gradient", max_iter=1500, K=100, **PAPER)
    initial = so.solve(qre_subsidy(n=3, actions=3, budget=0.5, seed=0), method="initial")
    assert res.violation <= 1e-3
    assert res.leader_objective > initial.leader_objective + 0.1
    assert res.history[-1]["multipliers"][0] > 0  # the budget binds


def test_best_feasible_returns_the_best_step_within_the_budget():
    # lr 0.05 with multiplier updates every 10 steps: the last decision is over the budget
    def run(returns):
        game = qre_subsidy(n=2, actions=3, budget=0.5, seed=0)
        return so.solve(
            game, method="gradient", max_iter=60, lr=0.05, optimizer="adam", line_search=False,
            K=10, returns=returns,
        )  # fmt: skip

    last, best = run("last"), run("best-feasible")
    assert last.status == "iteration_limit" and last.violation > 1e-3
    feasible = [h for h in last.history if h["violation"] <= 1e-3]
    chosen = max(feasible, key=lambda h: h["objective"])
    assert [h["objective"] for h in best.history] == [h["objective"] for h in last.history]
    assert best.status == "feasible" and best.violation <= 1e-3
    assert f"returned the best feasible decision, of step {chosen['step']}" in best.message
    assert best.reported_objective == chosen["objective"]
    assert best.leader_objective == pytest.approx(chosen["objective"], abs=1e-6)  # recomputed
    # a stationary point is returned as it is, although an earlier step may tie it to rounding
    kept = so.solve(
        duopoly(), method="gradient", optimizer="sgd", lr=0.5, line_search=False,
        returns="best-feasible",
    )  # fmt: skip
    assert kept.status == "locally_optimal" and kept.leader["q0"] == pytest.approx(46, abs=1e-9)
    with pytest.raises(so.OptionError, match="returns must be 'last' or 'best-feasible', got 'b'"):
        so.solve(duopoly(), method="gradient", returns="b")


def test_user_oracle_is_polished_to_the_kkt_point():
    def best_response(leader):
        return {"F.q": (98.0 - leader["q0"]) / 2}

    res = so.solve(
        duopoly(), method="gradient", oracle=best_response, optimizer="sgd", lr=0.5,
        line_search=False, max_iter=300,
    )  # fmt: skip
    assert res.leader["q0"] == pytest.approx(46, abs=1e-3)
    assert res.info["oracle"] == "callable"


def test_simplex_projection_is_closed_form():
    import pyomo.environ as pyo

    g = so.StackelbergGame()
    g.p = pyo.Var(range(3), bounds=(0, 1))
    g.simplex = pyo.Constraint(expr=sum(g.p[i] for i in range(3)) == 1)
    proj = LinearSetProjection(list(g.p.values()), [g.simplex])
    assert proj.simplices is not None
    assert proj(np.array([0.5, 0.5, 0.5])) == pytest.approx([1 / 3] * 3)
    assert proj(np.array([2.0, 0.0, -1.0])) == pytest.approx([1.0, 0.0, 0.0])


def test_bad_gradient_options_are_named():
    with pytest.raises(so.OptionError, match="unknown oracle 'psychic'"):
        so.solve(duopoly(), method="gradient", oracle="psychic")
    with pytest.raises(so.OptionError, match="max_iter must be a positive integer"):
        so.solve(duopoly(), method="gradient", max_iter=0)
    with pytest.raises(so.OptionError, match=r"'steps' is now 'max_iter' \(max_iter=...\)"):
        so.solve(duopoly(), method="gradient", steps=100)
    with pytest.raises(so.OptionError, match="line_search=False takes fixed steps: give"):
        so.solve(duopoly(), method="gradient", line_search=False)
    with pytest.raises(so.OptionError, match="start names 'q9', not a leader Var"):
        so.solve(duopoly(), method="gradient", start={"q9": 1.0})
    with pytest.raises(so.OptionError, match="unknown optimizer 'rmsprop'"):
        so.solve(duopoly(), method="gradient", optimizer="rmsprop")


def test_general_polyhedron_projection_by_cvxpy():
    import pyomo.environ as pyo

    g = so.StackelbergGame()
    g.x = pyo.Var(range(2), bounds=(0, 5))
    g.half = pyo.Constraint(expr=g.x[0] + 2 * g.x[1] <= 2)
    proj = LinearSetProjection(list(g.x.values()), [g.half])
    assert proj.simplices is None
    # onto the half-space: y - (a.y - b) / |a|^2 a = (2, 2) - 4/5 (1, 2)
    assert proj(np.array([2.0, 2.0])) == pytest.approx([1.2, 0.4], abs=1e-6)


def test_an_oracle_failure_returns_the_last_decision_with_an_equilibrium():
    asked = []

    def best_response(leader):  # loses the equilibrium at the fourth call (step 3)
        asked.append(leader["q0"])
        return {"F.q": (98.0 - leader["q0"]) / 2 if len(asked) < 4 else float("nan")}

    res = so.solve(
        duopoly(), method="gradient", oracle=best_response, optimizer="sgd", lr=0.5,
        line_search=False, max_iter=300,
    )  # fmt: skip
    assert res.status == "error" and len(res.history) == 3
    assert "no step from the decision of step 2: the callable oracle failed" in res.message
    assert res.message.endswith("returned the last decision with an equilibrium")
    assert len(asked) == 4 + MAX_HALVINGS  # the step, then each halving of it
    q0 = asked[2]
    assert asked[3] != q0 and res.leader["q0"] == q0
    # evaluated honestly, at the follower's best response q = (98 - q0) / 2
    assert res.leader_objective == pytest.approx((95 - q0 - (98 - q0) / 2) * q0, rel=1e-9)
