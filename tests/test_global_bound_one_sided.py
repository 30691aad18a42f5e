"""A recomputed objective better than a global solver's proven value does not refute `optimal`:
the solver's value carries its feasibility tolerance (HiGHS on a random linear bilevel game:
-0.8571418571 reported, -0.857142857 = -6/7 recomputed at its decision, 1.0e-6 below)."""

import pytest

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
    worse = REPORTED + 2e-6  # beyond 1e-6 * max(1, |bound|)
    status, why = derive_status("optimal", _certificate(sense * worse, sense * REPORTED, sense))
    assert status == "locally_optimal" and "is not the proven bound" in why


def test_without_the_sense_the_bound_is_compared_both_ways():
    status, _ = derive_status("optimal", _certificate(RECOMPUTED, REPORTED, 0))
    assert status == "locally_optimal"
