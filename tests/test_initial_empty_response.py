"""initial at a leader decision where a follower cannot respond: infeasible, with HiGHS's proof.

MacMPEC bard1 at x = 0: the follower's constraint 3x - y >= 3 asks y <= -3 and its bound y >= 0,
so it has no feasible response; at x = 1 it answers y = 0 and the leader's cost is 17.
"""

import pyomo.environ as pyo

import stackopt as so


def test_bard1_at_zero_is_infeasible_by_the_followers_empty_lp():
    res = so.solve(so.models.bard1(), method="initial")
    assert res.status == "infeasible" and res.leader == {"x": 0.0}
    assert "follower F has no feasible response" in res.message and "HiGHS" in res.message


def test_a_nonlinear_follower_without_a_response_stays_an_error():
    g = so.models.bard1()
    g.F.c1.deactivate()
    g.F.c_nl = pyo.Constraint(expr=3 * g.x - g.F.y**3 >= 3)  # y^3 <= -3 with y >= 0: empty, no LP
    assert so.solve(g, method="initial").status == "error"


def test_a_decision_where_the_follower_responds_is_judged_as_before():
    g = so.models.bard1()
    g.x.set_value(1.0)
    res = so.solve(g, method="initial")
    assert res.status == "feasible" and abs(res.leader_objective - 17.0) < 1e-6
