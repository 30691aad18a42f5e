"""A leader whose problem is unbounded: the follower copies x >= 0 (y = x) and the leader minimizes
-x - y = -2x, which falls without end. No method can return an answer; each returns the point it
stopped at with a warning that says the problem looks unbounded and names the Var."""

import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.backends.evaluation import unbounded_warning
from stackopt.kkt_evaluator import KKTEvaluator


def unbounded_leader(bounded: bool = False) -> so.StackelbergGame:
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 1e12 if bounded else None), initialize=1.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, None))
    g.F.cost = pyo.Objective(expr=(g.F.y - g.x) ** 2)
    g.cost = pyo.Objective(expr=-g.x - g.F.y)
    return g


@pytest.mark.parametrize("method", ["mpec", "gradient", "slsqp"])
def test_an_unbounded_leader_problem_is_said_to_look_unbounded(method):
    res = so.solve(unbounded_leader(), method=method)
    assert res.leader_objective <= -1e10
    assert res.status != "locally_optimal" and res.status != "optimal"
    (warning,) = [w for w in res.warnings if "looks unbounded" in w]
    assert "x = " in warning and "without a bound on that side" in warning


def test_the_warning_names_only_vars_without_a_bound_on_their_side():
    """x = 1e11 within its bound 1e12: an objective of -2e11 is still reported, without x."""
    evaluator = KKTEvaluator(unbounded_leader(bounded=True))
    assert unbounded_warning(evaluator, [1e11], -2e11) == (
        "the leader's objective is -2e+11: the leader's problem looks unbounded (bound the "
        "leader's Vars, or check the objective's sign)"
    )
    assert unbounded_warning(evaluator, [1e3], -2e3) is None
    free = KKTEvaluator(unbounded_leader())
    assert "at x = 1e+06" in unbounded_warning(free, [1e6], -1e10)
    assert unbounded_warning(free, [1e6], -2e6) is None
