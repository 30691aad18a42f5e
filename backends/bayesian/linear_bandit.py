"""Action feedback, Algorithm 5 of the paper: the linear-bandit approach, for tiny n and K.

U(x, D) = phi(x) . D with the known feature phi(x)(theta) = sum_l x_l u(l, W_x(theta)), so the
leader faces a linear bandit in dimension K**n. Arms are the arrangement's (vertex, region) rows of
non-empty regions (lower-dimensional ones included), pulled towards the region's centre by delta_t = shrink / sqrt(t) (so the
followers play W exactly); OFUL picks argmax phi . D_hat + beta_t ||phi||_{V^-1}, with the reward
sum_l x_l u(l, a) of the observed joint action a. Its regret grows like K**n sqrt(T) log T, hence the
size limit.
"""

from __future__ import annotations

import numpy as np

from stackopt.backends.bayesian.action_feedback import playable_regions
from stackopt.backends.bayesian.vertices import VertexTable, vertex_table
from stackopt.bayesian.game import BayesianStackelbergGame
from stackopt.errors import OptionError

MAX_TYPE_PROFILES = 16


class LinearBanditLearner:
    """Algorithm 5: OFUL over the (vertex, region) arms with features in R^(K**n)."""

    feedback = "action"

    def __init__(
        self,
        game: BayesianStackelbergGame,
        table: VertexTable | None = None,
        shrink: float = 0.1,
        regularization: float = 1.0,
    ) -> None:
        n, _, _, K = game.shape
        if K**n > MAX_TYPE_PROFILES:
            raise OptionError(
                f"learner 'action-linear' needs K**n <= {MAX_TYPE_PROFILES} type profiles; this "
                f"game has K={K}, n={n} ({K**n}); use 'action-ucb'"
            )
        self.u = game.leader_utility
        self.shrink = shrink
        table = table if table is not None else vertex_table(game)
        regions = playable_regions(game, table)
        self.points = table.points[table.point_of_row]
        self.features = table.features
        region = regions.region_of_row
        self.centres = regions.centres[region]
        profiles = game.type_profiles
        centre_payoff = np.tensordot(regions.centres, self.u, axes=1)  # (R, A, ..., A)
        self.centre_features = np.array(
            [
                centre_payoff[r][tuple(W[i, profiles[i]] for i in range(n))]
                for r, W in enumerate(regions.assignments)
            ]
        )[region]
        d = K**n
        self.sigma = float(self.u.max() - self.u.min()) / 2 or 1.0
        self.regularization = regularization
        self.gram = regularization * np.eye(d)
        self.target = np.zeros(d)
        self.played = (np.zeros(game.shape[1]), np.zeros(d))

    def act(self, t: int) -> np.ndarray:
        """The optimistic arm: max phi . D_hat + beta_t ||phi||_{V^-1}."""
        d = len(self.target)
        delta = min(1.0, self.shrink / np.sqrt(t))
        phi = (1 - delta) * self.features + delta * self.centre_features
        inverse = np.linalg.inv(self.gram)
        estimate = inverse @ self.target
        width = np.sqrt(np.einsum("rd,de,re->r", phi, inverse, phi))
        beta = self.sigma * np.sqrt(
            d * np.log(1 + t / (self.regularization * d)) + 2 * np.log(t + 1)
        ) + np.sqrt(self.regularization)
        r = int(np.argmax(phi @ estimate + beta * width))
        x = (1 - delta) * self.points[r] + delta * self.centres[r]
        self.played = (x, phi[r])
        return x

    def observe(self, types: np.ndarray | None, actions: np.ndarray) -> None:
        """Least-squares update with the reward sum_l x_l u(l, a)."""
        x, phi = self.played
        reward = float(x @ self.u[(slice(None),) + tuple(actions)])
        self.gram += np.outer(phi, phi)
        self.target += reward * phi

    def recommend(self) -> tuple[np.ndarray, float]:
        """The vertex row with the best value under the least-squares estimate of D."""
        values = self.features @ np.linalg.solve(self.gram, self.target)
        r = int(np.argmax(values))
        return self.points[r], float(values[r])
