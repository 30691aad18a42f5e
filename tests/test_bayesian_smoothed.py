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
    res = so.solve(game, method="bayes-smoothed", stages=4, max_iter=60, starts=2, tau=1e-3)
    # a local optimum of the smoothed objective is no certified one of the true objective
    assert (res.status, res.certificate.claim) == ("feasible", "locally_optimal")
    assert [h["tau"] for h in res.history] == pytest.approx(np.geomspace(1.0, 1e-3, 4))
    assert res.leader_objective <= best + 1e-9
    assert res.leader_objective == pytest.approx(res.history[-1]["true_objective"])
    with pytest.raises(OptionError, match="tau must be > 0"):
        so.solve(game, method="bayes-smoothed", tau=0.0)
    with pytest.raises(OptionError, match="starts must be a positive integer"):
        so.solve(game, method="bayes-smoothed", starts=0)
    with pytest.raises(OptionError, match="tau0 must be at least tau: .* tau0=0.001, tau=1.0"):
        so.solve(game, method="bayes-smoothed", tau0=1e-3, tau=1.0)  # it annealed upward


def test_runner_vocabulary_start_tol_callback_time_limit_and_the_old_name():
    game = random_game(2, 2, 2, 3, seed=1)
    short = dict(stages=3, max_iter=40, starts=2, tau=1e-2)
    states = []
    res = so.solve(
        game,
        method="bayes-smoothed",
        callback=lambda s: states.append(s) or s["start"] == 1,
        **short,
    )
    # the first start's three temperatures, then the second start's first one stops the run
    assert [(s["start"], s["tau"]) for s in states] == [
        (0, 1.0),
        (0, pytest.approx(0.1)),
        (0, pytest.approx(0.01)),
        (1, 1.0),
    ]
    assert res.status == "iteration_limit" and "callback at start 1" in res.message
    assert res.info["runs"] == 2
    first = so.solve(
        game, method="bayes-smoothed", start=np.array([0.0, 0.0, 1.0]), **short | {"starts": 1}
    )
    assert first.history[0]["true_objective"] != pytest.approx(
        so.solve(game, method="bayes-smoothed", **short | {"starts": 1}).history[0][
            "true_objective"
        ]
    )
    still = so.solve(game, method="bayes-smoothed", tol=1.0, **short)  # every step is below 1
    assert still.status == "feasible" and still.info["runs"] == 2
    timed = so.solve(game, method="bayes-smoothed", time_limit=1e-9, **short)
    assert timed.status == "time_limit" and len(timed.history) == 1
    with pytest.raises(OptionError, match="start must be a leader strategy"):
        so.solve(game, method="bayes-smoothed", start=np.array([0.5, 0.5]))
    with pytest.raises(OptionError, match="start must be a leader strategy"):
        so.solve(game, method="bayes-smoothed", start=np.array([np.nan, 0.5, 0.5]))
    with pytest.raises(OptionError, match="'steps' is now 'max_iter'"):
        so.solve(game, method="bayes-smoothed", steps=10)
