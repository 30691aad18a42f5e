"""The Kanzow-Schwartz relaxation on problems with known optima, and its option checks."""

import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.backends.strategies import STRATEGIES
from stackopt.models import duopoly
from stackopt.models.benchmarks import problems


def test_bard1_and_the_duopoly_reach_their_known_optima():
    """MacMPEC bard1: 17 at (x, y) = (1, 0); Stackelberg duopoly (Fiez et al.): q0 = 46, 1058."""
    strategy = "kanzow-schwartz"
    bard1 = {p.name: p for p in problems()}["bard1"]
    res = so.solve(bard1.build(), method="mpec", strategy=strategy)
    assert res.status == "locally_optimal" and res.leader_objective == pytest.approx(17, abs=1e-6)
    assert res.leader["x"] == pytest.approx(1, abs=1e-6)
    res = so.solve(duopoly(), method="mpec", strategy=strategy)
    assert res.status == "locally_optimal" and res.leader["q0"] == pytest.approx(46, abs=1e-5)
    assert res.leader_objective == pytest.approx(1058, abs=1e-3)


def test_kanzow_schwartz_relaxed_set_is_min_below_t():
    """phi(lam - t, s - t) <= 0 iff min(lam, s) <= t on lam, s >= 0 (Kanzow and Schwartz 2013):
    one relaxed solve at t = 0.3, unpolished, of a leader who wants y = 1 and lam = y - x = 1
    at once ((y - 1)^2 + (lam - 1)^2) ends with one of them at 1 and the other at t."""

    class Once(STRATEGIES["kanzow-schwartz"]):
        polishes = False

        def schedule(self):
            return [self.t0]

    g = so.StackelbergGame()
    g.x = pyo.Var(initialize=0.5)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, None), initialize=0.5)
    g.F.cost = pyo.Objective(expr=g.F.y**2 / 2 - g.x * g.F.y)  # KKT: lam = y - x, lam _|_ y
    # the leader wants y = 1 and lam = 1 at once, impossible at complementarity
    g.cost = pyo.Objective(expr=(g.F.y - 1) ** 2 + (g.F.y - g.x - 1) ** 2)
    from stackopt.backends.mpec_problem import MPECProblem
    from stackopt.backends.strategies.base import solve_once

    problem = MPECProblem(g)
    strategy = Once(t0=0.3)
    strategy.apply(problem)
    run = solve_once(problem, "ipopt", {"tol": 1e-10}, None)
    assert run.status == "optimal"
    (pair,) = problem.pairs
    lam, y = pyo.value(pair.lam), pyo.value(pair.slack)
    assert min(lam, y) == pytest.approx(0.3, abs=1e-6) and max(lam, y) > 0.3


@pytest.mark.parametrize(
    ("strategy", "options", "message"),
    [
        ("kanzow-schwartz", {"factor": 1.5}, "factor must be in \\(0, 1\\)"),
        ("kanzow-schwartz", {"t_min": 0}, "t_min must be > 0"),
        ("kanzow-schwartz", {"t0": -1.0}, "t0 must be > 0"),
    ],
)
def test_bad_parameters_are_refused_by_name(strategy, options, message):
    with pytest.raises(so.OptionError, match=message):
        so.solve(duopoly(), method="mpec", strategy=strategy, strategy_options=options)


def test_a_penalty_that_cannot_make_the_pairs_complementary_says_the_mpec_may_be_infeasible():
    """The follower minimizes y >= 0 (y = 0 whatever x), the leader needs y >= 1: the MPEC is
    infeasible while its other constraints are not. Every penalized solve converges, with the
    pair (lam = 1, y = 1) apart; the penalty cannot prove infeasibility, and says what can."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 1))
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, None))
    g.F.cost = pyo.Objective(expr=g.F.y + g.x)
    g.need = pyo.Constraint(expr=g.F.y >= 1)
    g.cost = pyo.Objective(expr=g.x)
    res = so.solve(g, method="mpec", strategy="penalty", multistart=1)
    assert res.status == "error"
    assert "complementarity gap 1.00e+00 (relative) at the end of the continuation" in res.message
    assert "(rho = 1e+08)" in res.message and "the MPEC may be infeasible" in res.message
    local = so.solve(g, method="mpec", strategy="scholtes", multistart=1)
    assert local.status == "error" and "local infeasibility" in local.message  # Ipopt's: no proof
