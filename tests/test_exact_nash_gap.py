"""Exact Nash gaps beyond linear and small followers: a convex quadratic follower's gap from one
Ipopt solve (its KKT point is its global best response), and SCIP's best response at a point where
x log x is not evaluable by Pyomo (x = 0)."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest
from scipy.special import logsumexp

import stackopt as so
from stackopt.backends.certification import NashGap
from stackopt.structure import analyze

N = 5  # above nash_gap.GLOBAL_MAX_VARS: no SCIP


def _quadratic_game(
    twist: float = 0.0, ball: bool = False, sense=pyo.minimize
) -> so.StackelbergGame:
    """Follower F: y in [-10, 10]^N, sign * f(y) with f(y) = ||y - a||^2 + (sum_j y_j)^2 - twist *
    (y_0 - y_1)^2 and a_j = x + j; sign = -1 for a maximizer (which then maximizes -f). Its Hessian
    2 I + 2 11^T - 2 twist (e_0 - e_1)(e_0 - e_1)^T is PD for twist = 0 and has the eigenvalue
    2 - 4 twist along e_0 - e_1. Interior best response for twist = 0: y = a - s 1 with
    s = sum_j a_j / (N + 1), value (N + 1) s^2. ``ball``: the convex but nonlinear constraint
    ||y||^2 <= 400 as well."""
    sign = 1.0 if sense == pyo.minimize else -1.0
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 5), initialize=1.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(range(N), bounds=(-10, 10), initialize=0.0)
    y = g.F.y
    f = (
        sum((y[j] - g.x - j) ** 2 for j in range(N))
        + sum(y.values()) ** 2
        - twist * (y[0] - y[1]) ** 2
    )
    g.F.obj = pyo.Objective(expr=sign * f, sense=sense)
    g.F.cap = pyo.Constraint(expr=sum(y.values()) <= 30)
    if ball:
        g.F.ball = pyo.Constraint(expr=sum(v**2 for v in y.values()) <= 400)
    g.obj = pyo.Objective(expr=(y[0] - 1) ** 2 + (g.x - 2) ** 2)
    return g


def _gap_check(g: so.StackelbergGame, x: float, y: list[float]):
    """NashGap's check of the single follower at leader x and follower point y."""
    return NashGap(analyze(g))(np.array([x, *y]))[0]


@pytest.mark.parametrize("sense", [pyo.minimize, pyo.maximize])
def test_a_convex_quadratic_followers_gap_is_exact_and_equals_the_closed_form(sense):
    """At x = 1 the best response is a - 2.5, value 6 * 2.5^2 = 37.5; at y = 0 the follower's
    value is ||a||^2 = 55: the gap is 17.5, proven, for a minimizer and for the maximizer of -f."""
    check = _gap_check(_quadratic_game(sense=sense), 1.0, [0.0] * N)
    assert check.exact and "convex" in check.method, check
    assert check.gap == pytest.approx(55.0 - 37.5, rel=1e-7)
    assert check.deviation is not None
    expected = [1.0 + j - 2.5 for j in range(N)]
    assert list(check.deviation.values()) == pytest.approx(expected, abs=1e-6)


def test_an_mpec_solve_with_a_convex_quadratic_follower_gets_no_local_search_warning():
    """Five Vars (no SCIP): the gap is still exact, from the convex follower's Ipopt solve; the
    leader's optimum from y_0(x) = x - (5 x + 10) / 6 = (x - 10) / 6, clipped by x <= 5:
    minimize ((x - 16) / 6)^2 + (x - 2)^2 gives x = (16 / 36 + 2) / (1 / 36 + 1) = 88 / 37."""
    res = so.solve(_quadratic_game(), method="mpec")
    assert res.success, res.message
    eq = res.certificate.equilibrium
    assert eq.exact and eq.followers[0].exact, eq.followers
    assert "convex" in eq.followers[0].method
    assert not any("lower bounds" in w for w in res.warnings), res.warnings
    assert res.leader["x"] == pytest.approx(88 / 37, abs=1e-5)


def test_a_nonconvex_quadratic_follower_still_gets_the_local_search_warning():
    """twist = 2: the Hessian has the eigenvalue -6 along e_0 - e_1, the follower is nonconvex and
    its gap stays a lower bound."""
    g = _quadratic_game(twist=2.0)
    assert not _gap_check(g, 1.0, [0.0] * N).exact
    res = so.solve(g, method="mpec")
    assert res.success and not res.certificate.equilibrium.exact
    assert any("F are lower bounds" in w for w in res.warnings), res.warnings


def test_a_quadratic_follower_with_a_convex_nonlinear_constraint_is_exact():
    """The ball constraint is convex quadratic: the follower is convex and its gap exact."""
    check = _gap_check(_quadratic_game(ball=True), 1.0, [0.0] * N)
    assert check.exact and "convex" in check.method, check
    assert check.gap == pytest.approx(17.5, rel=1e-6)  # the ball does not bind


def test_scips_best_response_with_a_zero_coordinate_is_evaluated_without_an_error(capfd, caplog):
    """QRE subsidy game, 2 followers x 3 actions, payoffs up to 100: the quantal best response
    has coordinates near exp(-60), which SCIP answers with x = 0, where Pyomo cannot evaluate
    x log x. Its limit, 0, is used: SCIP's gap is exact and no ERROR line is printed. The best
    response's value is the closed form -logsumexp(u) of the follower's expected payoffs u."""
    g = so.models.qre_subsidy(n=2, actions=3, payoff_max=100.0)
    res = so.solve(g, method="mpec")
    out, err = capfd.readouterr()
    assert "ERROR" not in out + err + caplog.text
    followers = res.certificate.equilibrium.followers
    assert [(f.method, f.exact) for f in followers] == [("scip", True)] * 2
    x = [np.array([g.F[i].x[k].value for k in range(3)]) for i in range(2)]
    for i, f in enumerate(followers):
        subsidy = np.array([[g.subsidy[i, a, b].value for b in range(3)] for a in range(3)])
        u = (g.payoffs[i] + subsidy) @ x[1] if i == 0 else (g.payoffs[i] + subsidy).T @ x[0]
        assert f.best_response == pytest.approx(-logsumexp(u), abs=1e-5)


def test_the_followers_shape_is_decided_at_each_point():
    """f(y) = sum_j (y_j - j) + x sum_j y_j^2 on [-1, 1]^N: linear at x = 0 (an LP, for HiGHS or
    SCIP), convex at x = 1 (best response y_j = -1 / 2, value -10 - N / 4), concave at x = -1 (a
    lower bound), on one NashGap called at these points in turn."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(-1, 1), initialize=0.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(range(N), bounds=(-1, 1), initialize=0.0)
    y = g.F.y
    g.F.obj = pyo.Objective(
        expr=sum(y[j] - j for j in range(N)) + g.x * sum(v**2 for v in y.values())
    )
    g.obj = pyo.Objective(expr=g.x**2)
    gaps = NashGap(analyze(g))
    checks = [gaps(np.array([x, *[0.0] * N]))[0] for x in (0.0, 1.0, -1.0)]
    assert checks[0].exact and checks[0].method in ("highs", "scip"), checks[0]
    assert checks[1].exact and "convex" in checks[1].method, checks[1]
    assert checks[1].best_response == pytest.approx(-10 - N / 4, abs=1e-7)
    assert not checks[2].exact


def test_an_ipopt_solve_to_an_acceptable_level_only_is_no_exact_best_response(monkeypatch):
    """Ipopt's return code 1 (solved to an acceptable level) does not prove the convex follower's
    best response: the gap is then the random starts' lower bound."""
    from stackopt.backends.oracles.best_response import BestResponseNLP

    solve = BestResponseNLP.__call__

    def acceptable(self, values, deadline=None):
        response = solve(self, values, deadline)
        self.status = 1
        return response

    monkeypatch.setattr(BestResponseNLP, "__call__", acceptable)
    check = _gap_check(_quadratic_game(), 1.0, [0.0] * N)
    assert not check.exact and check.method.startswith("ipopt from")


def test_a_small_convex_followers_gap_is_ipopts_and_scip_stays_for_when_ipopt_fails(monkeypatch):
    """A convex quadratic follower small enough for SCIP (2 Vars) gets its exact gap from one
    Ipopt solve (a KKT point of a convex problem is global): at x = 1 its best response is
    y = a - (2 + 1)/3 with a = (1, 2), value 3 * 1^2 = 3; at y = 0 its value is 5: the gap is 2. When
    Ipopt does not solve it, SCIP's branch-and-bound proves the same gap."""
    from stackopt.backends.certification import nash_gap

    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 5), initialize=1.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(range(2), bounds=(-10, 10), initialize=0.0)
    y = g.F.y
    g.F.obj = pyo.Objective(expr=sum((y[j] - g.x - j) ** 2 for j in range(2)) + (y[0] + y[1]) ** 2)
    g.obj = pyo.Objective(expr=(y[0] - 1) ** 2 + (g.x - 2) ** 2)
    check = NashGap(analyze(g))(np.array([1.0, 0.0, 0.0]))[0]
    assert check.exact and check.method == "ipopt, convex quadratic follower", check
    assert check.gap == pytest.approx(2.0, rel=1e-7)
    monkeypatch.setattr(nash_gap.NashGap, "_convex_response", lambda self, *args: None)
    check = NashGap(analyze(g))(np.array([1.0, 0.0, 0.0]))[0]
    assert check.exact and check.method == "scip", check
    assert check.gap == pytest.approx(2.0, rel=1e-6)
