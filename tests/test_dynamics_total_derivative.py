"""The leader's total derivative Df1 (Fiez, Chasnov, Ratliff 2020, Eq. 3) against finite
differences of x1 -> f1(x1, r(x1)), r the followers' equilibrium; and the covariance game."""

from __future__ import annotations

import numpy as np
import pytest

import stackopt as so
from stackopt.backends.dynamics.derivatives import GameDerivatives
from stackopt.backends.dynamics.total_derivative import TotalDerivative
from stackopt.backends.oracles.newton import NewtonOracle
from stackopt.models import cournot, covariance_game, torus_location


def reduced_cost(d: GameDerivatives, x1: np.ndarray, x2: np.ndarray) -> tuple[float, np.ndarray]:
    """f1(x1, r(x1)) and r(x1), r found by Newton from x2."""
    z = np.zeros(d.evaluator.n_z)
    z[: d.n2] = x2
    eq = NewtonOracle(d.evaluator, tol=1e-12)(x1, z)
    assert eq.converged
    x = np.concatenate([x1, eq.z[: d.n2]])
    return d.blocks(x).leader_cost, x


@pytest.mark.parametrize(
    ("game", "x1", "x2"),
    [
        (torus_location(), [0.3], [0.9]),
        (cournot(n=3), [20.0], [15.0, 15.0, 15.0]),
        (covariance_game(m=2, seed=1), [0.5, -0.2, 0.3, 0.8], [0.0] * 4),
    ],
)
def test_total_derivative_matches_finite_differences(game, x1, x2):
    d = GameDerivatives(game)
    x1 = np.array(x1)
    _, at = reduced_cost(d, x1, np.array(x2))
    exact = TotalDerivative()(d.blocks(at))
    h = 1e-5
    fd = [
        (reduced_cost(d, x1 + h * e, at[d.n1 :])[0] - reduced_cost(d, x1 - h * e, at[d.n1 :])[0])
        / (2 * h)
        for e in np.eye(d.n1)
    ]
    np.testing.assert_allclose(exact, fd, atol=1e-6)


def test_regularization_and_conjugate_gradients():
    d = GameDerivatives(covariance_game(m=2, eta=2.0, seed=1))
    b = d.blocks(np.linspace(-1.0, 1.0, d.n1 + d.n2))
    direct = TotalDerivative(eta=0.5)(b)
    by_hand = b.d1f1 - b.j21.T @ np.linalg.solve(b.j22.T + 0.5 * np.eye(d.n2), b.d2f1)
    np.testing.assert_allclose(direct, by_hand, rtol=1e-12)
    np.testing.assert_allclose(TotalDerivative(eta=0.5, linear_solver="cg")(b), direct, atol=1e-9)


@pytest.mark.parametrize("m, step", [(3, 0.05), (9, 0.01)])
def test_covariance_game_generator_matches_sigma_and_discriminator_vanishes(m, step):
    g = covariance_game(m=m)
    r = so.solve(g, "stackelberg-br", step=step, tol=1e-7, max_iter=5000)
    assert r.status == "locally_optimal"
    V = np.array([[r.leader["V"][i, j] for j in range(m)] for i in range(m)])
    W = np.array([[r.followers["F"]["W"][i, j] for j in range(m)] for i in range(m)])
    np.testing.assert_allclose(V @ V.T, g.sigma, atol=1e-6)
    np.testing.assert_allclose(W, 0.0, atol=1e-6)
