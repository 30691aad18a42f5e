"""Exact solution by one LP over z(W, l) >= 0, for every assignment W in A^(n x K) (paper, (16)-(17)).

    max  sum_W sum_l z(W, l) c_W(l)                                         (16)
    s.t. sum_l z(W, l) [v_i(l, W[i, k], k) - v_i(l, a, k)] >= 0  for all W, i, k, a   (17)
         sum_W sum_l z(W, l) = 1

Row z(W, .) is a scaled point of the closed region R(W) (it is forced to 0 when R(W) is empty), so
the LP mixes per-region LPs and its optimum is the best region's. x* is recovered from a non-zero row:
x* = z(W*, .) / sum_l z(W*, l) for the non-zero row with the best value per unit of mass.

The LP has A^(nK) L columns and nK(A - 1) incentive rows per assignment (``random_game(3, 3, 4,
6)``: 1.6 million columns, 42 million non-zeros): its rows are numpy arrays, made a block of
assignments at a time with the clock read between blocks, and passed to HiGHS
(:mod:`.array_model`).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from stackopt.backends.bayesian.array_model import Columns, Rows, build, solve, stack, unfinished
from stackopt.backends.bayesian.outcome import require_game, strategy_result
from stackopt.backends.progress_log import StartLog
from stackopt.bayesian.game import BayesianStackelbergGame
from stackopt.errors import OptionError
from stackopt.result import Result

ROW_TOL = 1e-9
#: about how many non-zeros of the incentive rows each part of the LP writes
BLOCK_NONZEROS = 1_000_000


def run(game: Any, max_assignments: int = 4096, time_limit: float | None = None) -> Result:
    """Solve the single LP (16)-(17) with HiGHS and recover x* from its best non-zero row.

    Parameters
    ----------
    max_assignments : int
        Refuse games with more follower assignments A^(n K) than this (the LP grows with them).
    time_limit : float or None
        Wall-clock limit in seconds for building the LP and HiGHS's solve (HiGHS gets what
        building left); a stop in either has no point to return (status "time_limit", the
        message says where).

    Notes
    -----
    The LP is the run's one start on ``stackopt.bayes-lp``: its line as it ends, with HiGHS's
    iterations (:mod:`stackopt.backends.progress_log`).
    """
    progress = StartLog("bayes-lp", kind="the single LP (16)-(17), HiGHS", unit="HiGHS iteration")
    result, iterations = _solve(game, max_assignments, time_limit)
    progress.end(result.status, result.reported_objective, iterations)
    return result


def assignment_block(game: BayesianStackelbergGame, first: int, stop: int) -> np.ndarray:
    """Assignments number ``first`` to ``stop - 1`` in the order of
    ``itertools.product(range(A), repeat=n*K)``, shape (stop - first, n, K)."""
    n, _, A, K = game.shape
    w = np.arange(first, stop)[:, None] // A ** np.arange(n * K - 1, -1, -1)[None] % A
    return w.reshape(-1, n, K)


def block_coefficients(game: BayesianStackelbergGame, W: np.ndarray) -> np.ndarray:
    """c_W(l) = sum_theta D(theta) u(l, W(theta)) for each assignment of the block W, shape
    (len(W), L)."""
    n, L, A, _ = game.shape
    theta = np.argwhere(game.joint > 0)
    actions = W[:, np.arange(n), theta]  # (block, |supp D|, n): W[i, theta_i]
    joint = np.ravel_multi_index(tuple(np.moveaxis(actions, -1, 0)), (A,) * n)
    u = game.leader_utility.reshape(L, A**n)
    return np.einsum("lbs,s->bl", u[:, joint], game.joint[tuple(theta.T)])


def _part(game: BayesianStackelbergGame, first: int, stop: int) -> tuple[Rows, np.ndarray]:
    """The incentive rows (17) of assignments ``first`` to ``stop - 1``, G_W z(W, .) >= 0, one
    per follower i, type k and action a != W[i, k], with their objective coefficients c_W."""
    n, L, A, K = game.shape
    W = assignment_block(game, first, stop)
    V = game.response_utility.transpose(0, 3, 2, 1)  # (n, K, A, L)
    chosen = V[np.arange(n)[:, None], np.arange(K)[None], W]  # (block, n, K, L)
    other = np.arange(A) != W[..., None]  # (block, n, K, A)
    values = (chosen[:, :, :, None] - V[None])[other]  # (rows, L)
    owner = np.repeat(np.arange(first, stop), n * K * (A - 1))
    rows = Rows(
        start=np.arange(len(values) + 1) * L,
        index=(owner[:, None] * L + np.arange(L)).ravel(),
        value=values.ravel(),
        lower=np.zeros(len(values)),
        upper=np.full(len(values), np.inf),
    )
    return rows, block_coefficients(game, W).ravel()


def _solve(game: Any, max_assignments: int, time_limit: float | None) -> tuple[Result, int]:
    """The Result of :func:`run` and HiGHS's iterations."""
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    game = require_game(game, "bayes-lp")
    n, L, A, K = game.shape
    count = A ** (n * K)
    if count > max_assignments:
        raise OptionError(
            f"the single LP has A**(n*K) = {count} assignments W, above "
            f"max_assignments={max_assignments}; raise max_assignments or use 'bayes-enumerate'"
        )
    block = max(1, BLOCK_NONZEROS // max(1, n * K * (A - 1) * L))
    parts: list[Callable[[], tuple[Rows, np.ndarray]]] = [
        functools.partial(_part, game, first, min(first + block, count))
        for first in range(0, count, block)
    ]
    made = build(parts, deadline)
    if len(made) < len(parts):
        return Result(status="time_limit", message=unfinished("LP", len(made), len(parts))), 0
    mass = Rows(
        np.array([0, count * L]), np.arange(count * L), np.ones(count * L), *np.ones((2, 1))
    )
    c = np.concatenate([cost for _, cost in made])
    columns = Columns(c, np.zeros(count * L), np.full(count * L, np.inf))
    solved = solve(columns, stack([rows for rows, _ in made] + [mass]), True, deadline, "bayes-lp")
    if solved.status != "optimal" or solved.x is None:
        status = "time_limit" if solved.status == "time_limit" else "error"
        return Result(status=status, message=f"HiGHS: {solved.words}"), solved.iterations
    z = solved.x.reshape(count, L)
    mass_of = z.sum(axis=1)
    nonzero = np.flatnonzero(mass_of > ROW_TOL)
    per_unit = (z[nonzero] * c.reshape(count, L)[nonzero]).sum(axis=1) / mass_of[nonzero]
    best = nonzero[int(np.argmax(per_unit))]
    result = strategy_result(
        game,
        z[best] / mass_of[best],
        status="optimal",
        proven_by="HiGHS (the single LP)",
        reported=solved.objective,
        info={
            "assignments": count,
            "nonzero_rows": len(nonzero),
            "row": assignment_block(game, best, best + 1)[0].tolist(),
        },
    )
    return result, solved.iterations
