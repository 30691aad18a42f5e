"""Exact solution through the vertices of the best-response arrangement (for small L).

Every region R(W) is cut out of the simplex by the indifference hyperplanes
(v_i(., a, k) - v_i(., b, k)) . x = 0 and the facets x_l = 0, so each per-region LP attains its
maximum at a point where L - 1 of those hyperplanes meet (a vertex of the arrangement). Hence
max_x U(x, D) = max over vertices p and assignments W tied at p of c_W . p. The table below stores,
for each (p, W), the feature row phi(theta) = sum_l p_l u(l, W(theta)), so that c_W . p = phi . D for
ANY type distribution D: the learners re-optimize against an estimated D by one matrix product.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from math import comb
from typing import Any

import numpy as np

from stackopt.backends.bayesian.outcome import require_game, strategy_result
from stackopt.backends.progress_log import StartLog
from stackopt.bayesian.best_response import assignments, tie_sets
from stackopt.bayesian.game import BayesianStackelbergGame
from stackopt.errors import OptionError
from stackopt.result import Result

VERTEX_TIE_TOL = 1e-9


@dataclass
class VertexTable:
    """Rows (vertex, tied assignment): ``points[point_of_row[r]]`` with ``assignment[r]``."""

    points: np.ndarray  # (P, L)
    point_of_row: np.ndarray  # (R,)
    assignment: np.ndarray  # (R, n, K)
    payoffs: np.ndarray  # (P, A, ..., A): sum_l p_l u(l, a) at each vertex p
    type_shape: tuple[int, ...]  # (K,) * n
    complete: bool = True  # every vertex of the arrangement (False: a time limit came first)

    def row_values(self, theta: np.ndarray) -> np.ndarray:
        """phi_r(theta) = sum_l p_l u(l, W_r(theta)) of every row r for one type profile theta."""
        actions = tuple(self.assignment[:, i, t] for i, t in enumerate(theta))
        return self.payoffs[(self.point_of_row,) + actions]

    @cached_property
    def features(self) -> np.ndarray:
        """(R, K**n): phi_r(theta) for every profile (exponential in n: for small games)."""
        profiles = np.indices(self.type_shape).reshape(len(self.type_shape), -1)
        return np.stack([self.row_values(theta) for theta in profiles.T], axis=1)

    def best(self, distribution: np.ndarray) -> tuple[np.ndarray, float, int]:
        """(x, value, row) maximizing phi . D over the rows, D a flat (K**n,) type distribution."""
        values = self.features @ distribution
        row = int(np.argmax(values))
        return self.points[self.point_of_row[row]], float(values[row]), row


#: linear systems solved per batch of :func:`arrangement_batches` (a time limit is checked
#: between batches)
SYSTEMS_PER_BATCH = 20_000


def arrangement_batches(
    game: BayesianStackelbergGame, max_systems: int
) -> Iterator[tuple[int, np.ndarray]]:
    """The points of the simplex where L - 1 independent indifference hyperplanes or facets meet,
    normalized and rounded to 12 digits, batch by batch (a point may recur across batches), each
    batch with the number of linear systems it took."""
    n, L, A, K = game.shape
    v = game.response_utility
    planes = [np.eye(L)]
    for i, k in itertools.product(range(n), range(K)):
        for a, b in itertools.combinations(range(A), 2):
            d = v[i, :, a, k] - v[i, :, b, k]
            if np.linalg.norm(d - d.mean()) > 1e-12:  # not constant on the simplex
                planes.append((d / np.linalg.norm(d))[None, :])
    H = np.vstack(planes)
    systems = comb(len(H), L - 1)
    if systems > max_systems:
        raise OptionError(
            f"the arrangement has {len(H)} hyperplanes, {systems} linear systems for L={L}, above "
            f"max_systems={max_systems}; raise max_systems or use 'bayes-enumerate'"
        )
    combinations = itertools.combinations(range(len(H)), L - 1)
    while batch := list(itertools.islice(combinations, SYSTEMS_PER_BATCH)):
        subsets = np.array(batch, dtype=int)
        matrices = np.concatenate(
            [H[subsets].reshape(len(subsets), L - 1, L), np.ones((len(subsets), 1, L))], axis=1
        )
        regular = np.abs(np.linalg.det(matrices)) > 1e-10
        rhs = np.zeros((int(regular.sum()), L, 1))
        rhs[:, -1] = 1.0
        x = np.linalg.solve(matrices[regular], rhs)[:, :, 0]
        x = np.clip(x[np.all(x >= -1e-9, axis=1)], 0.0, None)
        # + 0.0: no -0.0, whose bytes differ from 0.0's
        yield len(batch), np.unique(np.round(x / x.sum(axis=1, keepdims=True), 12), axis=0) + 0.0


def vertex_table(
    game: BayesianStackelbergGame, max_systems: int = 200_000, deadline: float | None = None
) -> VertexTable:
    """The table of (vertex, tied assignment) rows with their features; independent of D. The
    vertices are in lexicographic order, each one's rows in the order of its tied assignments.
    ``complete`` is False when the ``time.perf_counter()`` instant ``deadline`` passed before
    every vertex was found (the rows of the vertices found by then)."""
    found: dict[bytes, tuple[np.ndarray, list]] = {}
    complete = find_vertices(game, max_systems, deadline, found)
    return tabulate(game, found, complete)


def find_vertices(
    game: BayesianStackelbergGame,
    max_systems: int,
    deadline: float | None,
    found: dict[bytes, tuple[np.ndarray, list]],
    progress: StartLog | None = None,
) -> bool:
    """Fill ``found`` (a vertex's bytes -> (it, its tied assignments)), which keeps what was
    found when Ctrl-C stops the search; whether every vertex was found before ``deadline``. Each
    batch beats ``progress`` with the linear systems solved so far."""
    systems = 0
    for size, batch in arrangement_batches(game, max_systems):
        if deadline is not None and time.perf_counter() > deadline:
            return False
        systems += size
        for x in batch:
            if x.tobytes() not in found:
                found[x.tobytes()] = (x, list(assignments(tie_sets(game, x, VERTEX_TIE_TOL))))
        if progress is not None:
            progress.beat(systems, None, f"{len(found)} vertices")
    return True


def tabulate(
    game: BayesianStackelbergGame, found: dict[bytes, tuple[np.ndarray, list]], complete: bool
) -> VertexTable:
    """The :class:`VertexTable` of the vertices in ``found`` (:func:`find_vertices`)."""
    n, L, _, K = game.shape
    vertices = sorted(found.values(), key=lambda vertex: tuple(vertex[0]))  # np.unique's order
    points = np.array([x for x, _ in vertices]).reshape(-1, L)
    point_of_row = np.array([p for p, (_, ws) in enumerate(vertices) for _ in ws], dtype=int)
    rows = np.array([W for _, ws in vertices for W in ws], dtype=int).reshape(-1, n, K)
    payoffs = np.tensordot(points, game.leader_utility, axes=1)  # sum_l p_l u(l, a)
    return VertexTable(points, point_of_row, rows, payoffs, (K,) * n, complete)


def run(game: Any, max_systems: int = 200_000, time_limit: float | None = None) -> Result:
    """The best (vertex, assignment) row for the game's own type distribution.

    Parameters
    ----------
    max_systems : int
        Refuse games whose hyperplane arrangement needs more linear systems than this.
    time_limit : float or None
        Wall-clock limit in seconds for finding the vertices; the best of the vertices found by
        then is returned with status "time_limit" (no proof of optimality; "interrupted" on
        Ctrl-C).

    Notes
    -----
    The run is one start on ``stackopt.bayes-vertices`` (:mod:`stackopt.backends.progress_log`):
    its line as it ends with the linear systems solved, and during a long search a heartbeat with
    the vertices found.
    """
    game = require_game(game, "bayes-vertices")
    progress = StartLog("bayes-vertices", kind="the arrangement's vertices", unit="linear system")
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    found: dict[bytes, tuple[np.ndarray, list]] = {}
    try:
        stopped = (
            "" if find_vertices(game, max_systems, deadline, found, progress) else "time_limit"
        )
    except KeyboardInterrupt:
        stopped = "interrupted"
    result = _best_row(game, tabulate(game, found, not stopped), stopped)
    progress.end(result.status, result.reported_objective, progress.step)  # the systems solved
    return result


def _best_row(game: BayesianStackelbergGame, table: VertexTable, stopped: str) -> Result:
    """The Result of :func:`run` from the ``table`` of the vertices found (``stopped``: why the
    search ended early, "" when it did not)."""
    info = {"vertices": len(table.points), "rows": len(table.assignment)}
    if not len(table.assignment):
        if stopped == "interrupted":  # no point (stackopt.solve says so)
            raise KeyboardInterrupt
        return Result(status="time_limit", message="time limit before the first vertex", info=info)
    x, value, row = table.best(game.joint.ravel())
    if stopped:
        why = "time limit" if stopped == "time_limit" else "interrupted (Ctrl-C)"
        return strategy_result(
            game,
            x,
            status=stopped,
            reported=value,
            info=info,
            message=f"{why}: the best of the {len(table.points)} vertices found by then",
        )
    return strategy_result(
        game,
        x,
        status="optimal",
        proven_by="enumeration of the arrangement's vertices",
        reported=value,
        info=info,
    )
