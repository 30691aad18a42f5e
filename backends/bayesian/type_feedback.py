"""Type feedback, Algorithms 1 and 2 of the paper: the leader sees the type profile each round.

Algorithm 1 plays a best response to the empirical joint type distribution; Algorithm 2, for
independent types, to the product of the empirical marginals. Both re-optimize exactly every round:
max_x U(x, D_hat) is a maximum over the arrangement's (vertex, assignment) rows of phi . D_hat.
Algorithm 1 keeps sum_{s <= t} phi_r(theta_s) per row, updated by the one profile sampled each
round (the paper's footnote 4), so it never forms a table over all K**n profiles. The learners read
the utilities of the game, never its type distribution.
"""

from __future__ import annotations

import numpy as np

from stackopt.backends.bayesian.vertices import VertexTable, vertex_table
from stackopt.bayesian.game import BayesianStackelbergGame


class EmpiricalTypeLearner:
    """Algorithm 1: x_t = argmax_x U(x, D_hat_{t-1}), D_hat the empirical joint type distribution."""

    feedback = "type"

    def __init__(self, game: BayesianStackelbergGame, table: VertexTable | None = None) -> None:
        n, _, _, K = game.shape
        self.shape = (K,) * n
        self.table = table if table is not None else vertex_table(game)
        self.sums = np.zeros(len(self.table.assignment))  # sum_s phi_r(theta_s)
        self.rounds = 0

    def values(self) -> np.ndarray:
        """U(x_r, D_hat) for every row r: the mean of phi_r over the sampled profiles (all 0 before
        any sample, so the first round plays the table's first vertex)."""
        return self.sums / max(self.rounds, 1)

    def _best(self) -> tuple[np.ndarray, float]:
        values = self.values()
        row = int(np.argmax(values))
        return self.table.points[self.table.point_of_row[row]], float(values[row])

    def act(self, t: int) -> np.ndarray:
        """The strategy for round t: the exact optimum against the current estimate."""
        return self._best()[0]

    def observe(self, types: np.ndarray, actions: np.ndarray) -> None:
        """Add the sampled profile's row values."""
        self.sums += self.table.row_values(types)
        self.rounds += 1

    def recommend(self) -> tuple[np.ndarray, float]:
        """The final strategy and its estimated value U(x, D_hat)."""
        return self._best()


class ProductTypeLearner(EmpiricalTypeLearner):
    """Algorithm 2: best response to the product of the empirical marginals (independent types).

    U(x_r, prod_i p_hat_i) sums over every type profile: this learner forms the table over the
    K**n profiles (for small games)."""

    def __init__(self, game: BayesianStackelbergGame, table: VertexTable | None = None) -> None:
        super().__init__(game, table)
        self.counts = np.zeros(self.shape)

    def estimate(self) -> np.ndarray:
        """prod_i p_hat_i(theta_i) from the marginal counts, flat over the K**n profiles (uniform
        before any data)."""
        n = len(self.shape)
        if not self.counts.sum():
            return np.full(self.counts.size, 1.0 / self.counts.size)
        product = np.ones(())
        for i in range(n):
            marginal = self.counts.sum(axis=tuple(j for j in range(n) if j != i))
            product = np.multiply.outer(product, marginal / marginal.sum())
        return product.ravel()

    def values(self) -> np.ndarray:
        """phi_r . prod_i p_hat_i for every row r."""
        return self.table.features @ self.estimate()

    def observe(self, types: np.ndarray, actions: np.ndarray) -> None:
        """Count the observed type profile."""
        self.counts[tuple(types)] += 1
