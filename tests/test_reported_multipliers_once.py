"""The honest evaluation computes the least-norm multipliers once per point.

The size check of the multipliers and ``Result.duals`` take them at the same point: one
computation for both, the same as a fresh one, and a new one at another point.

The game (:func:`.test_multiplier_size_check._equality_as_two_rows`): the follower min y s.t.
y >= x and y <= x, whose multipliers (1 + t, t), t >= 0, have the least-norm (1, 0).
"""

from __future__ import annotations

import numpy as np
import pytest

from stackopt.backends import evaluation
from stackopt.backends.evaluation import EQUILIBRIUM_TOL, honest_result, reported_multipliers
from stackopt.backends.oracles.multipliers import least_norm_multipliers
from stackopt.certificate import certification
from stackopt.kkt_evaluator import KKTEvaluator

from .test_multiplier_size_check import _equality_as_two_rows


@pytest.fixture
def counted(monkeypatch) -> list[int]:
    """The calls of least_norm_multipliers from the evaluation, counted."""
    calls = [0]

    def counting(*args):
        calls[0] += 1
        return least_norm_multipliers(*args)

    monkeypatch.setattr(evaluation, "least_norm_multipliers", counting)
    return calls


@pytest.mark.parametrize("certify", [False, True])
def test_one_computation_serves_the_size_check_and_the_duals(counted, certify):
    g = _equality_as_two_rows()
    ev = KKTEvaluator(g)
    assert ev.z_names[1:] == ["stackopt_kkt.lam[0]", "stackopt_kkt.lam[1]"]
    values = dict(zip(["x", *ev.z_names], [0.5, 0.5, 5.0, 4.0]))
    with certification(certify):
        res = honest_result(g, ev, status="locally_optimal", values=values, reported_objective=None)
    assert counted == [1]
    assert res.duals == pytest.approx({"F.above": 1.0, "F.below": 0.0}, abs=1e-12)
    assert res.certificate.equilibrium.max_multiplier == pytest.approx(1.0, abs=1e-12)


def test_each_point_gets_its_own_least_norm_multipliers(counted):
    """At x = y = 0.5 and at x = y = 1.5 in turn, and again at 0.5: the same arrays as fresh
    computations, a caller's change to one not seen by the next."""
    ev = KKTEvaluator(_equality_as_two_rows())
    points = [ev.values_of({"x": x, "F.y": x}) for x in (0.5, 1.5)]
    points = [(z + np.array([0.0, 3.0, 2.0]), pi) for z, pi in points]
    fresh = [least_norm_multipliers(ev, z, pi, EQUILIBRIUM_TOL) for z, pi in points]
    first = reported_multipliers(ev, *points[0])
    assert np.array_equal(first, fresh[0]) and np.array_equal(first[1:], [1.0, 0.0])
    first[:] = np.nan
    assert np.array_equal(reported_multipliers(ev, *points[0]), fresh[0])
    assert counted == [1]
    assert np.array_equal(reported_multipliers(ev, *points[1]), fresh[1])
    assert np.array_equal(reported_multipliers(ev, *points[0]), fresh[0])
    assert counted == [3]
