"""Markov Stackelberg games: input validation, exact derivatives, the follower's soft best response.

Derivatives are checked against central finite differences; the one-state soft best response
against its closed form pi2 = softmax(R2^T pi1 / lam), V2 = lam logsumexp(R2^T pi1 / lam) / (1 - gamma).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp, softmax

import stackopt as so
from stackopt.backends.markov.outcome import leader_value
from stackopt.backends.markov.policy import logits, probabilities
from stackopt.backends.markov.policy_gradient import COMPLEX_STEP, implicit_gradient, partials
from stackopt.backends.markov.soft_bellman import soft_best_response
from stackopt.markov import random_markov_game


def one_state(R1=((1.0, -0.5), (-2.0, 0.0)), R2=((-3.0, 0.0), (1.0, 0.0)), gamma=0.5, lam=0.2):
    """An inspection game: the leader inspects (action 0) at a cost, the follower cheats (0) or not."""
    R1, R2 = np.array(R1)[None], np.array(R2)[None]
    return so.MarkovStackelbergGame(np.ones((1, 2, 2, 1)), R1, R2, gamma, [1.0], lam)


GOOD = dict(
    P=np.full((2, 2, 3, 2), 0.5), R1=np.zeros((2, 2, 3)), R2=np.zeros((2, 2, 3)), rho=[0.3, 0.7]
)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"P": np.full((2, 2, 3, 3), 1 / 3)}, "P must have shape"),
        ({"P": np.full((2, 2, 3, 2), 0.6)}, "P must be stochastic"),
        ({"R1": np.zeros((2, 3, 2))}, r"R1 must have shape \(S, A1, A2\) = \(2, 2, 3\)"),
        ({"R2": np.full((2, 2, 3), np.nan)}, "R2 has non-finite entries"),
        ({"rho": [0.5, 0.6]}, "rho must be a probability distribution"),
        ({"rho": [1.0]}, "rho must have shape"),
        ({"gamma": 1.0}, r"gamma must be a number in \[0, 1\)"),
        ({"gamma": "0.5"}, r"gamma must be a number in \[0, 1\); got '0.5'"),
        ({"gamma": np.array([0.5])}, r"gamma must be a number"),
        ({"lam": 0.0}, "lam .* must be a finite number > 0"),
        ({"lam": None}, "lam .* must be a finite number > 0; got None"),
        ({"lam": np.inf}, "lam .* must be a finite number > 0; got inf"),
    ],
)
def test_invalid_inputs_are_refused_naming_the_field(change, match):
    args = {**GOOD, "gamma": 0.9, "lam": 1.0, **change}
    with pytest.raises(so.ModelError, match=match):
        so.MarkovStackelbergGame(**args)


def test_pinned_logits_round_trip():
    pi = np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]])
    np.testing.assert_allclose(probabilities(logits(pi)), pi, atol=1e-15)


@pytest.mark.parametrize("seed", [0, 1])
def test_policy_gradients_and_hessian_products_match_finite_differences(seed):
    game = random_markov_game(states=3, leader_actions=2, follower_actions=3, seed=seed)
    rng = np.random.default_rng(seed)
    pi1, theta2, v = (
        rng.dirichlet(np.ones(2), size=3),
        rng.normal(size=(3, 2)),
        rng.normal(size=(3, 2)),
    )
    exact, h = partials(game, pi1, theta2), 1e-6
    for i in np.ndindex(pi1.shape):
        e = np.zeros_like(pi1)
        e[i] = h
        up, down = partials(game, pi1 + e, theta2), partials(game, pi1 - e, theta2)
        assert exact.leader1[i] == pytest.approx((up.J1 - down.J1).real / (2 * h), abs=1e-7)
        assert exact.leader2[i] == pytest.approx((up.J2 - down.J2).real / (2 * h), abs=1e-7)
    for i in np.ndindex(theta2.shape):
        e = np.zeros_like(theta2)
        e[i] = h
        up, down = partials(game, pi1, theta2 + e), partials(game, pi1, theta2 - e)
        assert exact.follower1[i] == pytest.approx((up.J1 - down.J1).real / (2 * h), abs=1e-7)
        assert exact.follower2[i] == pytest.approx((up.J2 - down.J2).real / (2 * h), abs=1e-7)
    step = partials(game, pi1, theta2 + 1j * COMPLEX_STEP * v).follower2.imag / COMPLEX_STEP
    fd = (
        partials(game, pi1, theta2 + h * v).follower2
        - partials(game, pi1, theta2 - h * v).follower2
    )
    np.testing.assert_allclose(step, fd.real / (2 * h), atol=1e-7)


def test_the_implicit_gradient_is_the_derivative_of_the_leader_value_at_the_response():
    game = random_markov_game(states=3, leader_actions=3, follower_actions=3, seed=2)
    pi1 = np.random.default_rng(0).dirichlet(np.ones(3), size=3)

    def value(p):
        return leader_value(game, p, soft_best_response(game, p)[0])

    total = implicit_gradient(game, pi1, logits(soft_best_response(game, pi1)[0])).total
    h = 1e-6
    for i in np.ndindex(pi1.shape):
        e = np.zeros_like(pi1)
        e[i] = h
        assert total[i] == pytest.approx((value(pi1 + e) - value(pi1 - e)) / (2 * h), abs=1e-7)


def test_one_state_soft_best_response_is_the_closed_form():
    game = one_state()
    pi1 = np.array([[0.3, 0.7]])
    pi2, V2 = soft_best_response(game, pi1)
    payoff = pi1[0] @ game.R2[0] / game.lam
    np.testing.assert_allclose(pi2[0], softmax(payoff), atol=1e-12)
    assert V2[0] == pytest.approx(game.lam * logsumexp(payoff) / (1 - game.gamma), abs=1e-10)


def test_soft_best_response_solves_the_soft_bellman_system():
    game = random_markov_game(states=3, follower_actions=3, gamma=0.9, seed=4)
    pi1 = np.random.default_rng(4).dirichlet(np.ones(2), size=3)
    pi2, V2 = soft_best_response(game, pi1)
    Q2 = np.einsum("sa,sab->sb", pi1, game.R2 + game.gamma * game.P @ V2)
    np.testing.assert_allclose(V2, game.lam * logsumexp(Q2 / game.lam, axis=1), atol=1e-9)
    np.testing.assert_allclose(pi2, softmax(Q2 / game.lam, axis=1), atol=1e-12)
    np.testing.assert_allclose(partials(game, pi1, logits(pi2)).follower2, 0.0, atol=1e-9)


def test_a_markov_game_under_a_pyomo_method_and_its_result_to_json():
    """A method for Pyomo games refuses a Markov game by name before it runs (mpec ended error
    with an AttributeError), and a Markov Result, whose policies are keyed by (s, a), is written
    by json.dumps (a TypeError on the tuple keys)."""
    import json

    game = one_state()
    with pytest.raises(so.ModelError, match="needs a stackopt.StackelbergGame; got .* markov-nlp"):
        so.solve(game, method="mpec")
    res = so.solve(game, method="markov-nlp")
    assert json.loads(json.dumps(res.to_dict()))["status"] == res.status
    with pytest.raises(so.ModelError, match="so.certify checks a Result on a stackopt.Stackel"):
        so.certify(game, res)
