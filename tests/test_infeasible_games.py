"""Games without any feasible point: every method ends "infeasible" where a global solver proves
the high-point relaxation's feasible set empty (backends/infeasibility_proof.py), whatever the
method's own failure; a local solver's "infeasible" without that proof is an "error", and a
feasible game's failure keeps its status."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.models import duopoly

from .games import infeasible_duopoly, root_follower

FOLLOWERS_HIGHS = (
    "the followers' constraints have no point at any leader decision within the leader's bounds: "
    "HiGHS proves them infeasible"
)
JOINT = "the leader's and followers' constraints have no common point: {} proves the high-point "
JOINT += "relaxation infeasible"


def contradictory_follower() -> so.StackelbergGame:
    """The follower needs x + 5 <= y <= x + 2: no y at any x."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 10), initialize=1.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 10), initialize=1.0)
    g.F.cost = pyo.Objective(expr=g.F.y)
    g.F.low = pyo.Constraint(expr=g.F.y >= g.x + 5)
    g.F.high = pyo.Constraint(expr=g.F.y <= g.x + 2)
    g.cost = pyo.Objective(expr=g.x + g.F.y)
    return g


def energy_community(capacity: float) -> so.StackelbergGame:
    """Three households meet their demands (4, 5, 6) from solar panels of capacities (1, 2, 0.5),
    at a small quadratic cost, and from the grid at the operator's tariff; their grid imports
    share the line's ``capacity``. The operator maximizes its revenue. The demand left after
    the panels is 15 - 3.5 = 11.5: above a capacity of 10, no household plan exists."""
    demand, solar = (4.0, 5.0, 6.0), (1.0, 2.0, 0.5)
    g = so.StackelbergGame()
    g.tariff = pyo.Var(bounds=(0.1, 1.0), initialize=0.5)
    g.H = so.Follower(range(3))
    for i, h in g.H.items():
        h.grid = pyo.Var(bounds=(0, None), initialize=0.0)
        h.pv = pyo.Var(bounds=(0, solar[i]), initialize=0.0)
        h.cost = pyo.Objective(expr=g.tariff * h.grid + 0.01 * h.pv**2)
        h.demand = pyo.Constraint(expr=h.grid + h.pv >= demand[i])
    imports = sum(h.grid for h in g.H.values())
    g.line = so.SharedConstraint(expr=imports <= capacity)
    g.revenue = pyo.Objective(expr=g.tariff * imports, sense=pyo.maximize)
    return g


def nonconvex_follower() -> so.StackelbergGame:
    """The follower needs x^2 + y^2 <= 1 and x y >= 0.75, while x y <= (x^2 + y^2) / 2 <= 0.5."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(-2, 2), initialize=0.5)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(-2, 2), initialize=0.5)
    g.F.cost = pyo.Objective(expr=(g.F.y - 1) ** 2)
    g.F.disk = pyo.Constraint(expr=g.x**2 + g.F.y**2 <= 1)
    g.F.hyperbola = pyo.Constraint(expr=g.x * g.F.y >= 0.75)
    g.cost = pyo.Objective(expr=g.x**2 - g.F.y)
    return g


def unreachable_leader_target() -> so.StackelbergGame:
    """The follower's y^2 <= x <= 10 keeps y <= sqrt(10) < 4, and the leader needs y >= 4."""
    g = root_follower()
    g.high = pyo.Constraint(expr=g.F.y >= 4)
    return g


def out_of_reach() -> so.StackelbergGame:
    """The follower matches the leader's x (y = x, its unique best response) and the leader needs
    y >= x + 1/2: the bilevel problem is infeasible, its high-point relaxation is not (y = 1/2,
    x = 0)."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 1), initialize=0.5)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 1), initialize=0.5)
    g.F.cost = pyo.Objective(expr=(g.F.y - g.x) ** 2)
    g.ahead = pyo.Constraint(expr=g.F.y >= g.x + 0.5)
    g.cost = pyo.Objective(expr=g.x)
    return g


@pytest.mark.parametrize("method", ["mpec", "gradient", "slsqp", "initial"])
def test_contradictory_follower_constraints_are_proven_infeasible_by_every_method(method):
    res = so.solve(contradictory_follower(), method=method, load_solution=False)
    assert res.status == "infeasible" and not res.success
    assert res.message == res.info["infeasibility"] == FOLLOWERS_HIGHS


@pytest.mark.parametrize("method", ["slsqp", "initial"])
def test_an_energy_community_whose_demand_exceeds_the_line_is_infeasible(method):
    res = so.solve(energy_community(capacity=10.0), method=method, load_solution=False)
    assert res.status == "infeasible" and res.message.startswith(FOLLOWERS_HIGHS)


def test_the_energy_community_under_mpec_is_infeasible():
    """(max_iter bounds Ipopt's restoration phase, which fails on its own at length.)"""
    res = so.solve(energy_community(capacity=10.0), max_iter=200, load_solution=False)
    assert res.status == "infeasible" and res.message.startswith(FOLLOWERS_HIGHS)


def test_the_energy_community_within_the_line_is_solved():
    """Capacity 12 >= 11.5: the operator's revenue is largest at the top tariff 1, where the
    households use their panels in full and import 11.5."""
    res = so.solve(energy_community(capacity=12.0), method="slsqp", load_solution=False)
    assert res.success and "infeasibility" not in res.info
    assert res.leader["tariff"] == pytest.approx(1.0, abs=1e-6)
    assert res.leader_objective == pytest.approx(11.5, abs=1e-5)


@pytest.mark.parametrize("method", ["mpec", "slsqp"])
def test_a_nonconvex_follower_without_any_point_is_proven_infeasible_by_scip(method):
    res = so.solve(nonconvex_follower(), method=method, load_solution=False)
    assert res.status == "infeasible"
    assert res.message.startswith(FOLLOWERS_HIGHS.replace("HiGHS", "SCIP"))


@pytest.mark.parametrize("method", ["mpec", "initial"])
def test_a_leader_target_no_follower_point_reaches_names_the_joint_relaxation(method):
    """The followers alone have points (y = 0), together with the leader's y >= 4 none."""
    res = so.solve(unreachable_leader_target(), method=method, load_solution=False)
    assert res.status == "infeasible" and res.message.startswith(JOINT.format("SCIP"))


def test_the_linear_joint_proof_is_highs():
    res = so.solve(infeasible_duopoly(), method="initial", load_solution=False)
    assert res.status == "infeasible" and res.message == JOINT.format("HiGHS")


def test_a_local_solvers_infeasible_without_a_proof_is_an_error():
    """Ipopt's local infeasibility on the Scholtes NLP says nothing of the game; SOS1 (SCIP)
    proves the MPEC infeasible and keeps its word, unchecked."""
    res = so.solve(out_of_reach(), strategy="scholtes", multistart=1, load_solution=False)
    assert res.status == "error"
    assert "local infeasibility" in res.message
    assert res.message.endswith(
        "; ipopt's infeasibility is local, no proof (the game is not proven infeasible: HiGHS "
        "finds a point of the high-point relaxation)"
    )
    exact = so.solve(out_of_reach(), strategy="sos1", load_solution=False)
    assert exact.status == "infeasible" and exact.message == "scip: infeasible"
    assert "infeasibility" not in exact.info


@pytest.mark.parametrize(
    ("method", "options", "status"),
    [("trust-constr", {"max_iter": 1}, "iteration_limit"), ("initial", {}, "infeasible")],
)
def test_a_feasible_games_failure_keeps_its_status(method, options, status):
    """q0 + q >= 80 with the follower's q = 49 - q0 / 2 holds from q0 = 62 on; the start q0 = 0
    misses it by 31, measured at the recomputed equilibrium: no proof, the status stays."""
    g = duopoly()
    g.enough = pyo.Constraint(expr=g.q0 + g.F.q >= 80)
    res = so.solve(g, method=method, load_solution=False, **options)
    assert res.status == status and res.violation == pytest.approx(31.0)
    assert res.info["infeasibility"] == (
        "not proven infeasible: HiGHS finds a point of the high-point relaxation"
    )


def test_no_proof_is_attempted_after_a_success_or_at_a_feasible_point():
    g = duopoly()
    assert "infeasibility" not in so.solve(g, load_solution=False).info
    stopped = so.solve(g, method="slsqp", max_iter=1, load_solution=False)
    assert stopped.status == "iteration_limit" and stopped.violation <= 1e-3
    assert "infeasibility" not in stopped.info


def test_a_passed_time_limit_leaves_a_local_infeasible_unproven():
    from stackopt.backends.infeasibility_proof import judge

    res = so.Result(status="infeasible", message="ipopt: infeasible", info={"solver": "ipopt"})
    judge(res, contradictory_follower(), time_left=0.0)
    assert res.status == "error"
    assert res.info["infeasibility"] == "not proven infeasible: the time limit has passed"


def contradictory_leader() -> so.StackelbergGame:
    """The leader's own constraints x >= 3 and x <= 2 have no common point."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 4), initialize=1.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(-10, 10))
    g.F.cost = pyo.Objective(expr=(g.F.y - g.x) ** 2)
    g.l1 = pyo.Constraint(expr=g.x >= 3)
    g.l2 = pyo.Constraint(expr=g.x <= 2)
    g.o = pyo.Objective(expr=g.x + g.F.y)
    return g


@pytest.mark.parametrize("method", ["gradient", "slsqp", "simgd", "stackelberg-br"])
def test_contradictory_leader_constraints_are_proven_infeasible_by_the_projecting_methods(method):
    """These methods project onto the leader's own linear constraints first, whose set is empty
    (a ModelError escaped before any proof)."""
    res = so.solve(contradictory_leader(), method=method)
    assert res.status == "infeasible"
    assert "HiGHS proves the high-point relaxation infeasible" in res.message
