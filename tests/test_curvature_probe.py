"""A first-order stationary point that is a saddle or a maximum of the leader's cost is not
locally_optimal: the certificate's probe of the leader's cost (backends/certification/
curvature_probe.py) finds the better decision next to it."""

import pyomo.environ as pyo
import pytest

import stackopt as so


def _follower_copies(sense) -> so.StackelbergGame:
    """The follower answers y = x; the leader's objective is (y - 50)^2 in ``sense`` over
    x in [0, 100]: x = 50 is its minimum, stationary."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 100), initialize=50.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(-1000, 1000), initialize=0.0)
    g.F.o = pyo.Objective(expr=(g.F.y - g.x) ** 2)
    g.o = pyo.Objective(expr=(g.F.y - 50) ** 2, sense=sense)
    return g


def _claimed(leader: dict, followers: dict, objective: float) -> so.Result:
    return so.Result(
        status="locally_optimal", leader_objective=objective, leader=leader, followers=followers
    )


@pytest.mark.parametrize("method", ["stackelberg-br", "slsqp"])
def test_a_maximizing_leader_at_its_minimum_is_not_locally_optimal(method):
    res = so.solve(_follower_copies(pyo.maximize), method=method, start={"x": 50.0})
    st = res.certificate.stationarity
    assert res.leader["x"] == pytest.approx(50.0, abs=1e-6)
    assert st.kind == "S" and not st.holds
    assert res.status == "feasible"
    # the probe's move is 1e-2 * max(1, |x|) = 0.5 either way; the leader's gain is its square
    (move,) = st.descent.values()
    assert abs(move) == pytest.approx(0.5, rel=1e-6)
    assert "no local minimum" in res.message and "0.25" in res.message


def test_a_minimizing_leader_at_its_minimum_stays_locally_optimal():
    res = so.certify(_follower_copies(pyo.minimize), _claimed({"x": 50.0}, {"F": {"y": 50.0}}, 0))
    assert res.status == "locally_optimal"
    assert res.certificate.stationarity.holds and not res.certificate.stationarity.descent


def _product() -> so.StackelbergGame:
    """The follower answers y = x1 x2; the leader minimizes y over [-1, 1]^2: (0, 0) is a saddle
    whose descent, along x1 = -x2, no coordinate axis shows."""
    g = so.StackelbergGame()
    g.x1 = pyo.Var(bounds=(-1, 1))
    g.x2 = pyo.Var(bounds=(-1, 1))
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(-10, 10))
    g.F.o = pyo.Objective(expr=(g.F.y - g.x1 * g.x2) ** 2)
    g.o = pyo.Objective(expr=g.F.y)
    return g


def test_a_saddle_off_the_axes_is_found_by_the_reduced_hessian():
    res = so.certify(_product(), _claimed({"x1": 0.0, "x2": 0.0}, {"F": {"y": 0.0}}, 0.0))
    st = res.certificate.stationarity
    assert res.status == "feasible" and st.kind == "S" and not st.holds
    move = st.descent
    assert move["x1"] == pytest.approx(-move["x2"], rel=1e-6)
    assert move["x1"] * move["x2"] < 0


@pytest.mark.parametrize("x0, period", [(1000.5, 1.0), (1.005, 0.01)])
def test_a_strict_local_minimum_narrower_than_the_probe_is_still_locally_optimal(x0, period):
    """cos(2 pi y / period) - 1e-4 y with y = x is a strict local minimum at x0: a probe h R away
    (|x| = 1000: 10) lands in another basin, lower by the linear term; the drop does not hold at
    h / 100, so no descent is claimed."""
    import math

    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0.5 * x0, 1.5 * x0), initialize=x0)
    g.F = so.Follower()
    g.F.y = pyo.Var(initialize=x0)
    g.F.o = pyo.Objective(expr=(g.F.y - g.x) ** 2)
    g.cost = pyo.Objective(expr=pyo.cos(2 * math.pi * g.F.y / period) - 1e-4 * g.F.y)
    res = so.solve(g, method="mpec", multistart=1)
    assert res.status == "locally_optimal"
    assert res.leader["x"] == pytest.approx(x0, abs=1e-4 * period)


def test_the_probe_makes_no_probe_past_its_deadline():
    """The probes' Newton solves stop at the certificate's deadline (the solve's time limit):
    the maximizing leader's minimum at x = 50 is found without one, and not past it."""
    import scipy.sparse as sp

    from stackopt.backends.certification.curvature_probe import probe_curvature
    from stackopt.kkt_evaluator import KKTEvaluator

    ev = KKTEvaluator(_follower_copies(pyo.maximize))
    z, pi = ev.values_of({"x": 50.0, "F.y": 50.0})
    active = sp.csr_matrix((0, len(z) + len(pi)))
    assert probe_curvature(ev, z, pi, active) is not None
    assert probe_curvature(ev, z, pi, active, deadline=0.0) is None
