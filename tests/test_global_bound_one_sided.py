"""A global solver's proven value carries its feasibility tolerance: a recomputed objective better
than it does not refute `optimal`, and one short of it by that tolerance attains it (HiGHS on a
linear bilevel game reports -0.8571418571 for a maximizing leader whose optimum is -6/7)."""

import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.certificate import (
    Certificate,
    EquilibriumCheck,
    FollowerCheck,
    GlobalBound,
    StationarityCheck,
    derive_status,
)

REPORTED, RECOMPUTED = -0.8571418571428568, -0.8571428571477571


def _certificate(objective: float, bound: float, sense: int) -> Certificate:
    eq = EquilibriumCheck(True, 0.0, [FollowerCheck("F", 1.0, 0.0, 1.0, 0.0, "highs", True)])
    eq.exact = True
    return Certificate(
        checked=True,
        equilibrium=eq,
        stationarity=StationarityCheck("S", True, 0.0),
        objective=objective,
        violation=0.0,
        global_bound=GlobalBound("highs", True, bound),
        sense=sense,
    )


@pytest.mark.parametrize("sense", [1, -1])
def test_an_objective_better_than_the_proven_value_is_optimal(sense):
    # a maximizing leader's game is the same game with the objective negated
    status, why = derive_status(
        "optimal", _certificate(sense * RECOMPUTED, sense * REPORTED, sense)
    )
    assert (status, why) == ("optimal", "")


@pytest.mark.parametrize("sense", [1, -1])
def test_an_objective_worse_than_the_proven_value_is_not_optimal(sense):
    worse = REPORTED + 2e-5  # beyond BOUND_TOL * max(1, |bound|)
    status, why = derive_status("optimal", _certificate(sense * worse, sense * REPORTED, sense))
    assert status == "locally_optimal" and "is not the proven bound" in why


def test_without_the_sense_the_bound_is_compared_both_ways():
    status, _ = derive_status("optimal", _certificate(REPORTED - 2e-5, REPORTED, 0))
    assert status == "locally_optimal"


def _linear_bilevel() -> so.StackelbergGame:
    """The leader picks an integer x in [0, 7] and maximizes -(x - 2 y + z1 - 3 z0) (written as
    below); follower y minimizes 3y s.t. 3y >= -5 - 2x, 3y >= x - 2, y in [0, 5]; follower z
    maximizes z0 + z1 s.t. 2 z0 + z1 = 1, 2 z0 + 2 z1 <= 8 + x, 3 z1 - z0 <= 4 - 2x, z in [0, 6].
    At x = 2: y = 0 and z = (3/7, 1/7), the optimum -6/7 (brute force over x = 0..7)."""
    g = so.StackelbergGame()
    g.x = pyo.Var(domain=pyo.Integers, bounds=(0, 7), initialize=0)
    g.Y = so.Follower()
    g.Y.y = pyo.Var(bounds=(0, 5), initialize=0)
    g.Y.obj = pyo.Objective(expr=3 * g.Y.y)
    g.Y.c = pyo.ConstraintList()
    g.Y.c.add(0 * g.Y.y <= 7 - g.x)
    g.Y.c.add(-3 * g.Y.y <= 5 + 2 * g.x)
    g.Y.c.add(-3 * g.Y.y <= 2 - g.x)
    g.Z = so.Follower()
    g.Z.z = pyo.Var([0, 1], bounds=(0, 6), initialize=0)
    g.Z.obj = pyo.Objective(expr=-g.Z.z[0] - g.Z.z[1])
    g.Z.c = pyo.ConstraintList()
    g.Z.c.add(2 * g.Z.z[0] + 2 * g.Z.z[1] <= 8 + g.x)
    g.Z.c.add(-g.Z.z[0] + 3 * g.Z.z[1] <= 4 - 2 * g.x)
    g.Z.e = pyo.Constraint(expr=2 * g.Z.z[0] + g.Z.z[1] == 1)
    g.obj = pyo.Objective(expr=-(g.x - 2 * g.Y.y - 3 * g.Z.z[0] + g.Z.z[1]), sense=pyo.maximize)
    return g


def test_highs_optimum_within_its_feasibility_tolerance_is_optimal():
    res = so.solve(_linear_bilevel(), method="mpec", strategy="bigm")
    assert res.leader == {"x": 2.0}
    assert res.leader_objective == pytest.approx(-6 / 7, abs=1e-9)
    assert res.status == "optimal"
    assert res.certificate.sense == -1  # the leader maximizes: compared one-sidedly


def test_the_honest_evaluation_records_a_minimizing_sense():
    res = so.solve(so.models.bard1(), method="mpec", strategy="sos1")
    assert res.status == "optimal" and res.certificate.sense == 1
