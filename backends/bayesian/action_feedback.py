"""Action feedback, Algorithm 3 of the paper: UCB over best-response regions.

The leader sees only the joint action a = W(theta). Playing strictly inside R(W) reveals a sample of
q_W, hence an unbiased sample u(., a) of the region's utility vector c_W. Each full-dimensional region
is an arm with index max_{vertex p of R(W)} c_hat_W . p + range * sqrt(2 log t / N_W). The leader plays
the chosen vertex pulled towards the region's centre by delta_t = shrink / sqrt(t), so that the
followers play W exactly (this costs O(sqrt(T)) in total). Every non-empty region is an arm, as in
the paper's Algorithms 3-5: a full-dimensional one is centred at its deepest point, a lower-
dimensional one (on indifference hyperplanes, where the followers break ties in the leader's
favour) at the mean of its vertices, a point of its relative interior.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stackopt.backends.bayesian.regions import interior_point
from stackopt.backends.bayesian.vertices import VertexTable, vertex_table
from stackopt.bayesian.game import BayesianStackelbergGame

INTERIOR_TOL = 1e-9


@dataclass
class PlayableRegions:
    """The non-empty regions: their assignments, centres and each table row's region."""

    assignments: np.ndarray  # (R, n, K)
    centres: np.ndarray  # (R, L)
    region_of_row: np.ndarray  # (rows,)


def playable_regions(game: BayesianStackelbergGame, table: VertexTable) -> PlayableRegions:
    """Group the table's rows by assignment: one region per assignment met at some vertex."""
    keys, first, inverse = np.unique(
        table.assignment.reshape(len(table.assignment), -1),
        axis=0,
        return_index=True,
        return_inverse=True,
    )
    inverse = inverse.ravel()
    assignments, centres = [], []
    for key, row in enumerate(first):
        centre, radius = interior_point(game, table.assignment[row])
        if radius <= INTERIOR_TOL:  # lower-dimensional: a point of its relative interior
            centre = table.points[table.point_of_row[inverse == key]].mean(axis=0)
        assignments.append(table.assignment[row])
        centres.append(centre)
    return PlayableRegions(np.array(assignments), np.array(centres), inverse)


class RegionUCBLearner:
    """Algorithm 3: UCB over the best-response regions, one arm per non-empty region."""

    feedback = "action"

    def __init__(
        self, game: BayesianStackelbergGame, table: VertexTable | None = None, shrink: float = 0.1
    ) -> None:
        self.u = game.leader_utility
        self.range = float(self.u.max() - self.u.min()) or 1.0
        self.shrink = shrink
        table = table if table is not None else vertex_table(game)
        self.regions = playable_regions(game, table)
        count = len(self.regions.centres)
        rows = [np.flatnonzero(self.regions.region_of_row == r) for r in range(count)]
        width = max(len(r) for r in rows)
        self.vertices = np.zeros((count, width, game.shape[1]))
        self.valid = np.zeros((count, width), dtype=bool)
        for r, members in enumerate(rows):
            self.vertices[r, : len(members)] = table.points[table.point_of_row[members]]
            self.valid[r, : len(members)] = True
        self.means = np.zeros((count, game.shape[1]))
        self.plays = np.zeros(count)
        self.current = 0

    def _best_vertices(self) -> tuple[np.ndarray, np.ndarray]:
        values = np.where(self.valid, np.einsum("rjl,rl->rj", self.vertices, self.means), -np.inf)
        best = values.argmax(axis=1)
        return best, values[np.arange(len(best)), best]

    def act(self, t: int) -> np.ndarray:
        """Pick the region with the largest upper confidence bound; play inside it."""
        best, values = self._best_vertices()
        unplayed = np.flatnonzero(self.plays == 0)
        if len(unplayed):
            self.current = int(unplayed[0])
        else:
            bonus = self.range * np.sqrt(2 * np.log(t) / self.plays)
            self.current = int(np.argmax(values + bonus))
        delta = min(1.0, self.shrink / np.sqrt(t))
        vertex = self.vertices[self.current, best[self.current]]
        return (1 - delta) * vertex + delta * self.regions.centres[self.current]

    def observe(self, types: np.ndarray | None, actions: np.ndarray) -> None:
        """Update the played region's mean utility vector with u(., a)."""
        r = self.current
        self.plays[r] += 1
        self.means[r] += (self.u[(slice(None),) + tuple(actions)] - self.means[r]) / self.plays[r]

    def recommend(self) -> tuple[np.ndarray, float]:
        """The best vertex of the region with the best estimated value among the played ones."""
        best, values = self._best_vertices()
        r = int(np.argmax(np.where(self.plays > 0, values, -np.inf)))
        return self.vertices[r, best[r]], float(values[r])
