"""Type feedback, Algorithms 1 and 2 of the paper: the leader sees the type profile each round.

Algorithm 1 plays a best response to the empirical joint type distribution; Algorithm 2, for
independent types, to the product of the empirical marginals. Both re-optimize exactly every round:
max_x U(x, D_hat) is a maximum over the arrangement's (vertex, assignment) rows of phi . D_hat.
The learners read the utilities of the game, never its type distribution.
"""

from __future__ import annotations

import numpy as np

from stackopt.bayesian.game import BayesianStackelbergGame
from stackopt.bayesian.vertices import vertex_table


class EmpiricalTypeLearner:
    """Algorithm 1: x_t = argmax_x U(x, D_hat_{t-1}), D_hat the empirical joint type distribution."""

    feedback = "type"

    def __init__(self, game: BayesianStackelbergGame) -> None:
        n, _, _, K = game.shape
        self.shape = (K,) * n
        self.table = vertex_table(game)
        self.counts = np.zeros(self.shape)

    def estimate(self) -> np.ndarray:
        """The estimated type distribution, flat over the K**n profiles (uniform before any data)."""
        total = self.counts.sum()
        return (
            self.counts / total if total else np.full(self.shape, 1.0 / self.counts.size)
        ).ravel()

    def act(self, t: int) -> np.ndarray:
        """The strategy for round t: the exact optimum against the current estimate."""
        return self.table.best(self.estimate())[0]

    def observe(self, types: np.ndarray, actions: np.ndarray) -> None:
        """Count the observed type profile."""
        self.counts[tuple(types)] += 1

    def recommend(self) -> tuple[np.ndarray, float]:
        """The final strategy and its estimated value U(x, D_hat)."""
        x, value, _ = self.table.best(self.estimate())
        return x, value


class ProductTypeLearner(EmpiricalTypeLearner):
    """Algorithm 2: best response to the product of the empirical marginals (independent types)."""

    def estimate(self) -> np.ndarray:
        """prod_i p_hat_i(theta_i) from the marginal counts (uniform before any data)."""
        n = len(self.shape)
        if not self.counts.sum():
            return super().estimate()
        table = np.ones(())
        for i in range(n):
            marginal = self.counts.sum(axis=tuple(j for j in range(n) if j != i))
            table = np.multiply.outer(table, marginal / marginal.sum())
        return table.ravel()
