"""Followers written in cvxpy: best responses and derivatives from cvxpy, against Pyomo twins."""

import cvxpy as cp
import numpy as np
import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.backends.cvxpy_path import CvxpyEquilibrium
from stackopt.backends.oracles.kkt import KKTOracle
from stackopt.backends.sensitivity import Sensitivity
from stackopt.cvxpy_follower import cvxpy_follower
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.models import cournot, duopoly
from stackopt.structure import analyze


def cvxpy_duopoly(A=100.0, c1=5.0, c2=2.0):
    """The library duopoly with its follower, max (A - q0 - q - c2) q on [0, A], in cvxpy."""
    g = so.StackelbergGame()
    g.q0 = pyo.Var(bounds=(0, A), initialize=0.0)
    q, q0 = cp.Variable(), cp.Parameter()
    problem = cp.Problem(cp.Maximize((A - c2) * q - q0 * q - cp.square(q)), [q >= 0, q <= A])
    g.F = cvxpy_follower(problem, decisions={"q": q}, parameters={q0: g.q0})
    g.profit = pyo.Objective(expr=(A - g.q0 - g.F.q - c1) * g.q0, sense=pyo.maximize)
    return g


def cvxpy_cournot(A=100.0, c=10.0):
    """Cournot with two cvxpy followers at Nash: each sees the leader and the other follower."""
    g = so.StackelbergGame()
    g.q0 = pyo.Var(bounds=(0, A), initialize=0.0)
    for i in range(2):
        q, q0, other = cp.Variable(), cp.Parameter(), cp.Parameter()
        problem = cp.Problem(cp.Maximize((A - c) * q - (q0 + other) * q - cp.square(q)), [q >= 0])
        block = cvxpy_follower(problem, {"q": q}, {q0: g.q0, other: f"F{1 - i}.q"})
        g.add_component(f"F{i}", block)
    total = g.q0 + g.F0.q + g.F1.q
    g.profit = pyo.Objective(expr=(A - total - c) * g.q0, sense=pyo.maximize)
    return g


@pytest.mark.parametrize(
    "cvx, pyomo_game, pi",
    [(cvxpy_duopoly, duopoly, 30.0), (cvxpy_cournot, lambda: cournot(n=2), 20.0)],
)
def test_cvxpy_gradient_matches_the_pyomo_twin(cvx, pyomo_game, pi):
    structure = analyze(cvx())
    eq = CvxpyEquilibrium(structure, tol=1e-8)
    x = eq.solve(np.array([pi]), np.zeros(len(structure.follower_vars)))
    for v, value in zip(structure.leader_vars + structure.follower_vars, [pi, *x]):
        v.set_value(value)
    from pyomo.core.expr.calculus.derivatives import Modes, differentiate

    wrt = structure.leader_vars + structure.follower_vars
    grad = differentiate(-structure.objective.expr, wrt_list=wrt, mode=Modes.reverse_numeric)
    total = eq.adjoint(np.array(grad[1:]), np.array(grad[:1]))

    game = pyomo_game()
    ev = KKTEvaluator(game)
    z = KKTOracle(game, ev)(np.array([pi]), np.zeros(ev.n_z)).z
    at = ev.evaluate(z, np.array([pi]))
    reference = Sensitivity(at).adjoint(at.leader_cost_grad_z, at.leader_cost_grad_pi)
    assert x == pytest.approx(z[: len(x)], abs=1e-5)
    assert total == pytest.approx(reference, abs=1e-4)


def test_gradient_method_with_a_cvxpy_follower_reaches_the_stackelberg_duopoly():
    res = so.solve(cvxpy_duopoly(), method="gradient", optimizer="sgd", lr=0.5, max_iter=50)
    assert res.leader["q0"] == pytest.approx(46, abs=1e-3)
    assert res.followers["F"]["q"] == pytest.approx(26, abs=1e-3)
    assert res.leader_objective == pytest.approx(1058, abs=1e-4)
    assert res.info["oracle"] == "cvxpy"


def test_two_cvxpy_followers_at_nash():
    res = so.solve(cvxpy_cournot(), method="gradient", optimizer="sgd", lr=1.0, max_iter=30)
    assert res.leader["q0"] == pytest.approx(45, abs=1e-3)
    assert res.followers["F0"]["q"] == pytest.approx(15, abs=1e-3)


def test_cvxpy_followers_only_go_the_gradient_way():
    with pytest.raises(so.ModelError, match="given in cvxpy: .*only method='gradient'"):
        so.solve(cvxpy_duopoly(), method="mpec")
    with pytest.raises(so.OptionError, match="oracle is cvxpy's best response"):
        so.solve(cvxpy_duopoly(), method="gradient", oracle="dynamics")


def test_unmapped_parameter_is_named():
    q, p = cp.Variable(), cp.Parameter(name="price")
    problem = cp.Problem(cp.Maximize(p * q - cp.square(q)))
    with pytest.raises(so.ModelError, match=r"Parameter\(s\) \['price'\] are not mapped"):
        cvxpy_follower(problem, {"q": q}, {})
