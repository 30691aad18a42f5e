"""Type feedback, Algorithms 1 and 2 of the paper: the leader sees the type profile each round.

Algorithm 1 plays a best response to the empirical joint type distribution; Algorithm 2, for
independent types, to the product of the empirical marginals. Both re-optimize exactly every round:
max_x U(x, D_hat) is a maximum over the arrangement's (vertex, assignment) rows of phi . D_hat.
Algorithm 1 keeps sum_{s <= t} phi_r(theta_s) per row, updated by the one profile sampled each
round (the paper's footnote 4), and Algorithm 2 contracts the leader's payoffs with each follower's
action distribution under its type marginal: neither forms a table over the K**n profiles. The
learners read the utilities of the game, never its type distribution.
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

    U(x_r, prod_i p_hat_i) = sum_a u_r(a) prod_i q_ri(a_i), where q_ri(a) = sum_k p_hat_i(k)
    [W_r(k)_i = a] is follower i's action distribution under row r's assignment: the leader's
    payoffs at the row's vertex contracted with one action distribution per follower, from the
    marginal counts of the sampled types (the paper's footnote 4), never a table over the K**n
    type profiles."""

    def __init__(self, game: BayesianStackelbergGame, table: VertexTable | None = None) -> None:
        super().__init__(game, table)
        n, _, self.n_actions, K = game.shape
        self.counts = np.zeros((n, K))  # follower i's type k, times seen

    def marginals(self) -> np.ndarray:
        """(n, K): p_hat_i(k) from the counts (uniform before any data)."""
        if not self.counts.sum():
            return np.full(self.counts.shape, 1.0 / self.counts.shape[1])
        return self.counts / self.counts.sum(axis=1, keepdims=True)

    def values(self) -> np.ndarray:
        """U(x_r, prod_i p_hat_i) for every row r."""
        table, p = self.table, self.marginals()
        rows = np.arange(len(table.assignment))
        values = table.payoffs[table.point_of_row]  # (R, A, ..., A)
        for i in range(len(p)):
            q = np.zeros((len(rows), self.n_actions))  # q_ri(a)
            np.add.at(q, (rows[:, None], table.assignment[:, i, :]), p[i][None, :])
            values = np.einsum("ra...,ra->r...", values, q)
        return values

    def observe(self, types: np.ndarray, actions: np.ndarray) -> None:
        """Count each follower's observed type."""
        self.counts[np.arange(len(types)), types] += 1
