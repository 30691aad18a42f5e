"""Smoothed-response baseline: analytic gradient, the tau -> 0 limit and its discontinuity."""

import numpy as np
import pytest

import stackopt as so
from stackopt.backends.bayesian.smoothed import smoothed_value_and_gradient
from stackopt.bayesian import BayesianStackelbergGame, leader_value, random_game
from stackopt.errors import OptionError


@pytest.mark.parametrize("n,K,A,L,independent", [(1, 3, 3, 3, True), (3, 2, 3, 4, False)])
def test_gradient_matches_finite_differences(n, K, A, L, independent):
    game = random_game(n, K, A, L, seed=3, independent=independent)
    x = np.random.default_rng(0).dirichlet(np.ones(L))
    _, grad = smoothed_value_and_gradient(game, x, tau=0.3)
    h = 1e-6
    fd = [
        (
            smoothed_value_and_gradient(game, x + h * e, 0.3)[0]
            - smoothed_value_and_gradient(game, x - h * e, 0.3)[0]
        )
        / (2 * h)
        for e in np.eye(L)
    ]
    np.testing.assert_allclose(grad, fd, atol=1e-8)


def test_small_tau_recovers_the_true_objective_off_the_hyperplanes():
    game = random_game(2, 2, 2, 3, seed=1)
    x = np.array([0.2, 0.3, 0.5])
    assert smoothed_value_and_gradient(game, x, 1e-5)[0] == pytest.approx(leader_value(game, x))


def test_the_true_objective_jumps_where_the_smoothed_one_cannot():
    """One follower, type 0 indifferent at x = (1/2, 1/2): U = 1/2 there but U_tau = 1/4."""
    v = np.zeros((1, 2, 2, 2))
    v[0, :, 1, 0] = [-1.0, 1.0]
    v[0, :, 0, 1] = 1.0
    game = BayesianStackelbergGame(
        np.array([[0.0, 1.0], [0.0, 1.0]]), v, marginals=np.array([[0.5, 0.5]])
    )
    x = np.array([0.5, 0.5])
    assert leader_value(game, x) == 0.5
    for tau in (1e-2, 1e-4, 1e-6):
        assert smoothed_value_and_gradient(game, x, tau)[0] == pytest.approx(0.25)


def test_runner_anneals_and_never_beats_the_exact_optimum():
    game = random_game(2, 2, 2, 3, seed=1)
    best = so.solve(game, method="bayes-lp").leader_objective
    res = so.solve(game, method="bayes-smoothed", stages=4, steps=60, starts=2, tau=1e-3)
    # a local optimum of the smoothed objective is no certified one of the true objective
    assert (res.status, res.certificate.claim) == ("feasible", "locally_optimal")
    assert [h["tau"] for h in res.history] == pytest.approx(np.geomspace(1.0, 1e-3, 4))
    assert res.leader_objective <= best + 1e-9
    assert res.leader_objective == pytest.approx(res.history[-1]["true_objective"])
    with pytest.raises(OptionError, match="tau must be > 0"):
        so.solve(game, method="bayes-smoothed", tau=0.0)
    with pytest.raises(OptionError, match="starts must be a positive integer"):
        so.solve(game, method="bayes-smoothed", starts=0)
