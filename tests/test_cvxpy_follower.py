"""Followers written in cvxpy: best responses and derivatives from cvxpy, against Pyomo twins."""

import cvxpy as cp
import numpy as np
import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.backends.cvxpy_equilibrium import CvxpyEquilibrium
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
    """Cournot with two cvxpy followers at Nash: each sees the leader and the other follower's
    decision Variable."""
    g = so.StackelbergGame()
    g.q0 = pyo.Var(bounds=(0, A), initialize=0.0)
    qs = [cp.Variable(), cp.Variable()]
    for i, q in enumerate(qs):
        q0, other = cp.Parameter(), cp.Parameter()
        problem = cp.Problem(cp.Maximize((A - c) * q - (q0 + other) * q - cp.square(q)), [q >= 0])
        block = cvxpy_follower(problem, {"q": q}, {q0: g.q0, other: qs[1 - i]})
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
    total = eq.total_gradient(np.array([pi]), x, np.array(grad[1:]), np.array(grad[:1]))

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


def test_a_pyomo_follower_beside_a_cvxpy_one_and_value_function_are_refused_by_name():
    g = cvxpy_duopoly()
    g.G = so.Follower()
    g.G.z = pyo.Var(bounds=(0, 10))
    g.G.cost = pyo.Objective(expr=(g.G.z - g.q0) ** 2)
    with pytest.raises(so.ModelError, match="Follower G is a Pyomo block while F is given in"):
        so.solve(g, method="gradient")
    with pytest.raises(so.ModelError, match="Follower F is given in cvxpy: method='value-func"):
        so.solve(cvxpy_duopoly(), method="value-function")


def test_certify_judges_a_cvxpy_game_as_its_solve_did():
    """The duopoly's follower answers q = (A - q0 - c2) / 2: at q0 = 40, q = 29 and the leader
    earns 40 (100 - 69 - 5) = 1040."""
    g = cvxpy_duopoly()
    res = so.solve(g, method="gradient", optimizer="sgd", lr=0.5, max_iter=50)
    again = so.certify(g, res)
    assert (again.status, again.leader) == (res.status, res.leader)
    assert again.leader_objective == pytest.approx(res.leader_objective, abs=1e-6)
    res.leader["q0"] = 40.0
    moved = so.certify(g, res)
    assert moved.followers["F"]["q"] == pytest.approx(29.0, abs=1e-5)
    assert moved.leader_objective == pytest.approx(1040.0, abs=1e-4)


def test_unmapped_parameter_is_named():
    q, p = cp.Variable(), cp.Parameter(name="price")
    problem = cp.Problem(cp.Maximize(p * q - cp.square(q)))
    with pytest.raises(so.ModelError, match=r"Parameter\(s\) \['price'\] are not mapped"):
        cvxpy_follower(problem, {"q": q}, {})


A_ROUTE, B_ROUTE = np.array([1.0, 2.0]), np.array([1.0, 0.5])


def shippers(n=3):
    """n shippers send one unit each over two routes of unit cost a_r + t_r + b_r f_r (f_r the
    route's total flow, t_r the leader's toll); the leader minimizes the total latency
    sum_r f_r (a_r + b_r f_r). A potential game, where simultaneous best responses oscillate."""
    g = so.StackelbergGame()
    g.t = pyo.Var(range(2), bounds=(0, 10), initialize=0.0)
    flows = [cp.Variable(2) for _ in range(n)]
    for i, x in enumerate(flows):
        toll = cp.Parameter(2)
        others = [cp.Parameter(2) for _ in range(n - 1)]
        cost = (
            (A_ROUTE + toll) @ x
            + cp.sum(cp.multiply(B_ROUTE, cp.square(x)))
            + cp.multiply(B_ROUTE, sum(others)) @ x
        )
        problem = cp.Problem(cp.Minimize(cost), [x >= 0, cp.sum(x) == 1])
        seen = dict(zip(others, [y for j, y in enumerate(flows) if j != i]))
        g.add_component(f"S{i}", cvxpy_follower(problem, {"x": x}, {toll: g.t} | seen))
    f = [sum(g.component(f"S{i}").x[r] for i in range(n)) for r in range(2)]
    g.latency = pyo.Objective(expr=sum(f[r] * (A_ROUTE[r] + B_ROUTE[r] * f[r]) for r in range(2)))
    return g


def test_three_shippers_settle_by_gauss_seidel_and_the_leader_reaches_the_system_optimum():
    # system optimum: 1 + 2 f1 = 2 + f2, f1 + f2 = 3 -> f = (4/3, 5/3), latency 141/18; at the
    # symmetric Nash equilibrium a_r + t_r + (4/3) b_r f_r is equal on both routes, which holds
    # there exactly when t_1 - t_2 = 1/3
    structure = analyze(shippers())
    x = CvxpyEquilibrium(structure, tol=1e-9).solve(np.zeros(2), np.zeros(6))
    assert x.reshape(3, 2).sum(axis=0) == pytest.approx([1.5, 1.5], abs=1e-6)  # untolled Nash
    res = so.solve(shippers(), method="gradient")
    assert res.status == "feasible"  # the leader's stationarity is not checked on this path
    assert res.leader_objective == pytest.approx(141 / 18, abs=1e-6)
    assert res.leader["t"][0] - res.leader["t"][1] == pytest.approx(1 / 3, abs=1e-3)
    flows = np.array([list(res.followers[f"S{i}"]["x"].values()) for i in range(3)])
    assert flows.sum(axis=0) == pytest.approx([4 / 3, 5 / 3], abs=1e-4)
    assert res.certificate.equilibrium.holds and res.certificate.equilibrium.exact


def test_the_baselines_run_on_cvxpy_followers():
    initial = so.solve(cvxpy_duopoly(), method="initial")
    assert initial.status == "feasible" and initial.leader_objective == pytest.approx(0.0)
    assert initial.followers["F"]["q"] == pytest.approx(49.0, abs=1e-5)
    assert initial.certificate.equilibrium.gap == pytest.approx(0.0, abs=1e-6)
    for method in ("slsqp", "trust-constr"):
        res = so.solve(cvxpy_duopoly(), method=method)
        assert res.leader["q0"] == pytest.approx(46, abs=1e-2), method
        assert res.leader_objective == pytest.approx(1058, abs=1e-3), method


def test_a_parameter_naming_a_var_by_string_is_refused():
    q, p = cp.Variable(), cp.Parameter(name="other")
    problem = cp.Problem(cp.Maximize(p * q - cp.square(q)))
    with pytest.raises(so.ModelError, match="pass the Var itself"):
        cvxpy_follower(problem, {"q": q}, {p: "F1.q"})


def test_a_callback_and_ctrl_c_on_cvxpy_followers():
    def interrupt(state):
        if state["step"] == 1:
            raise KeyboardInterrupt
        return False

    res = so.solve(
        cvxpy_duopoly(), method="gradient", lr=0.5, line_search=False, callback=interrupt
    )
    # q0 = 0 -> 23 -> 34.5 (sgd steps of 0.5 on the profit (46 - q0 / 2) q0); the last decision
    assert res.status == "interrupted" and res.leader["q0"] == pytest.approx(34.5, abs=1e-4)
    assert res.leader_objective == pytest.approx((46 - 34.5 / 2) * 34.5, abs=1e-3)
    stopped = so.solve(cvxpy_duopoly(), method="gradient", callback=lambda s: True)
    assert len(stopped.history) == 1 and "stopped by the callback" in stopped.message
