"""slsqp and trust-constr return a leader decision within the leader's Var bounds.

Duopoly (A = 100, c2 = 2): the follower answers q = (98 - q0) / 2 <= 49 for q0 >= 0, so the
leader's constraint q >= 50 holds nowhere; at a returned q0 its violation is 50 - (98 - q0) / 2.
"""

import pyomo.environ as pyo
import pytest

import stackopt as so


@pytest.mark.parametrize("method", ["trust-constr", "slsqp"])
def test_a_run_with_no_feasible_decision_returns_one_within_the_bounds(method):
    g = so.models.duopoly()
    g.demand = pyo.Constraint(expr=g.F.q >= 50)
    res = so.solve(g, method=method)
    assert not res.success
    q0 = res.leader["q0"]
    assert 0.0 <= q0 <= 100.0  # trust-constr's interior point ended a hair below 0
    assert res.followers["F"]["q"] == pytest.approx((98 - q0) / 2, abs=1e-6)
    assert res.violation == pytest.approx(50 - (98 - q0) / 2, abs=1e-6)
