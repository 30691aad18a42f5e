"""Exact solution by a DOBSS-style MILP (Paruchuri et al. 2008), written as arrays, solved by HiGHS.

Binary q[i, k, a] picks follower i's action at type k; s[i, k] is its best payoff:
    0 <= s[i, k] - sum_l x_l v_i(l, a, k) <= (1 - q[i, k, a]) M[i, k]
For each type profile theta in the support of D, z[theta, l, a] = x_l * 1[a = W(theta)] linearly:
    sum_a z[theta, l, a] = x_l,   sum_l sum_{a : a_i = b} z[theta, l, a] = q[i, theta_i, b].
Objective: max sum_theta D(theta) sum_{l, a} z[theta, l, a] u(l, a) = U(x, D) at the chosen W.

The z block has |supp D| L A^n columns (``random_game(4, 4, 4, 8)``: 524,288 of them, 2.6 million
non-zeros, written in 0.05 s): the rows are numpy arrays, made a block of type profiles at a time
with the clock read between blocks, and passed to HiGHS (:mod:`.array_model`).
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
from stackopt.result import Result

#: about how many non-zeros of the z rows each part of the MILP writes
BLOCK_NONZEROS = 1_000_000


def support(game: BayesianStackelbergGame) -> np.ndarray:
    """The type profiles theta with D(theta) > 0, shape (|supp D|, n), in lexicographic order."""
    return np.argwhere(game.joint > 0)


def columns(game: BayesianStackelbergGame) -> Columns:
    """x and z in [0, 1], q binary, s free; the objective D(theta) u(l, a) on z[theta, l, a]."""
    n, L, A, K = game.shape
    theta = support(game)
    u = game.leader_utility.reshape(L, A**n)
    z_cost = (game.joint[tuple(theta.T)][:, None, None] * u[None]).ravel()
    head = L + n * K * A + n * K
    return Columns(
        cost=np.r_[np.zeros(head), z_cost],
        lower=np.r_[np.zeros(L + n * K * A), np.full(n * K, -np.inf), np.zeros(len(z_cost))],
        upper=np.r_[np.ones(L + n * K * A), np.full(n * K, np.inf), np.ones(len(z_cost))],
        integer=np.r_[np.zeros(L), np.ones(n * K * A), np.zeros(n * K + len(z_cost))],
    )


def row_parts(game: BayesianStackelbergGame) -> list[Callable[[], Rows]]:
    """The MILP's rows in parts, each made when called: the leader's simplex, one action per
    follower type and both sides of each best response first, then the z rows (mass, follow) of
    about :data:`BLOCK_NONZEROS` non-zeros' worth of type profiles at a time."""
    pattern = _profile_pattern(game)
    block = max(1, BLOCK_NONZEROS // len(pattern[0]))
    profiles = len(support(game))
    blocks = [range(first, min(first + block, profiles)) for first in range(0, profiles, block)]
    return [functools.partial(_response_rows, game)] + [
        functools.partial(_profile_rows, game, pattern, np.arange(b.start, b.stop)) for b in blocks
    ]


def _profile_rows(
    game: BayesianStackelbergGame,
    pattern: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    t: np.ndarray,
) -> Rows:
    """The z rows of the type profiles numbered ``t`` in :func:`support`, from the first
    profile's ``pattern`` (:func:`_profile_pattern`)."""
    n, L, A, K = game.shape
    theta = support(game)[t]
    base, z_entry, q_owner, row_start = pattern
    # z columns move by L A^n per profile, q columns by A per type of their follower
    q_shift = np.where(q_owner >= 0, theta[:, np.maximum(q_owner, 0)] * A, 0)
    index = base + (t * L * A**n)[:, None] * z_entry + q_shift
    start = (np.arange(len(t))[:, None] * len(base) + row_start[None, :-1]).ravel()
    zero = np.zeros(len(t) * (L + n * A))
    return Rows(
        start=np.r_[start, len(t) * len(base)],
        index=index.ravel(),
        value=np.tile(np.where(z_entry > 0, 1.0, -1.0), len(t)),
        lower=zero,
        upper=zero,
    )


def _response_rows(game: BayesianStackelbergGame) -> Rows:
    """sum_l x_l = 1; sum_a q[i, k, a] = 1; s[i, k] - v_i(., a, k) . x >= 0 and
    s[i, k] - v_i(., a, k) . x + M[i, k] q[i, k, a] <= M[i, k], with M[i, k] the range of v_i
    at type k."""
    n, L, A, K = game.shape
    v = game.response_utility
    big_m = (v.max(axis=2) - v.min(axis=2)).max(axis=1)  # M[i, k], shape (n, K)
    q0, s0 = L, L + n * K * A
    i, k, a = (g.ravel() for g in np.indices((n, K, A)))
    payoff = -v[i, :, a, k]  # (n K A, L): the coefficients of x
    s_col = s0 + i * K + k
    best = np.column_stack([s_col, np.tile(np.arange(L), (len(i), 1))])
    chosen = np.column_stack([best, q0 + (i * K + k) * A + a])
    parts = [
        (np.arange(L)[None], np.ones((1, L)), 1.0, 1.0),
        (q0 + np.arange(n * K * A).reshape(n * K, A), np.ones((n * K, A)), 1.0, 1.0),
        (best, np.column_stack([np.ones(len(i)), payoff]), 0.0, np.inf),
        (chosen, np.column_stack([np.ones(len(i)), payoff, big_m[i, k]]), -np.inf, big_m[i, k]),
    ]
    index = np.concatenate([p[0].ravel() for p in parts]).astype(np.int32)
    value = np.concatenate([p[1].ravel() for p in parts])
    lengths = np.concatenate([np.full(len(p[0]), p[0].shape[1]) for p in parts])
    lower = np.concatenate([np.broadcast_to(p[2], len(p[0])) for p in parts])
    upper = np.concatenate([np.broadcast_to(p[3], len(p[0])) for p in parts])
    return Rows(np.r_[0, np.cumsum(lengths)], index, value, lower, upper)


def _profile_pattern(
    game: BayesianStackelbergGame,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The z rows of the first type profile with theta = 0: (columns, 1 where the entry is a z
    column, the follower whose q column the entry is or -1, row starts). Row l (mass) holds
    z[theta, l, .] and -x_l; row (i, b) (follow) holds z[theta, l, a] for every l and every a
    with a_i = b, and -q[i, theta_i, b]."""
    n, L, A, K = game.shape
    J = A**n
    z0 = L + n * K * A + n * K
    actions = np.indices((A,) * n).reshape(n, J)  # a_i of the joint action j, in row i
    # each row: its z columns, its other column (x_l or q[i, 0, b]) and that column's owner
    rows = [(z0 + l * J + np.arange(J), l, -1) for l in range(L)]
    rows += [
        (
            (z0 + np.arange(L)[:, None] * J + np.flatnonzero(actions[i] == b)[None]).ravel(),
            L + i * K * A + b,
            i,
        )
        for i in range(n)
        for b in range(A)
    ]
    return (
        np.concatenate([np.r_[z, other] for z, other, _ in rows]),
        np.concatenate([np.r_[np.ones(len(z), dtype=np.int64), 0] for z, _, _ in rows]),
        np.concatenate([np.r_[np.full(len(z), -1), owner] for z, _, owner in rows]),
        np.r_[0, np.cumsum([len(z) + 1 for z, _, _ in rows])],
    )


def run(game: Any, time_limit: float | None = None) -> Result:
    """Build the MILP, solve it with HiGHS (relative gap 1e-9), return x honestly.

    Parameters
    ----------
    time_limit : float or None
        Wall-clock limit in seconds for building the MILP and HiGHS's solve (HiGHS gets what
        building left); a limit that passes while the MILP is built ends the run with status
        "time_limit" and no point.

    Notes
    -----
    The MILP is the run's one start on ``stackopt.bayes-milp``: its line as it ends, with HiGHS's
    branch-and-bound nodes (:mod:`stackopt.backends.progress_log`; HiGHS's own log with
    ``so.solve(tee=True)``).
    """
    progress = StartLog("bayes-milp", kind="the DOBSS MILP, HiGHS", unit="HiGHS node")
    result, nodes = _solve(game, time_limit)
    progress.end(result.status, result.reported_objective, nodes)
    return result


def _solve(game: Any, time_limit: float | None) -> tuple[Result, int]:
    """The Result of :func:`run` and HiGHS's branch-and-bound nodes."""
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    game = require_game(game, "bayes-milp")
    parts = row_parts(game)
    made = build(parts, deadline)
    if len(made) < len(parts):
        message = unfinished("MILP", len(made), len(parts))
        return Result(status="time_limit", message=message), 0
    solved = solve(columns(game), stack(made), True, deadline, "bayes-milp")
    if solved.status == "infeasible":
        return Result(status="infeasible", message="HiGHS: MILP infeasible"), solved.nodes
    if solved.x is None:
        if solved.status == "time_limit":
            message = "HiGHS: time limit before a feasible point"
            return Result(status="time_limit", message=message), solved.nodes
        return Result(status="error", message=f"HiGHS: {solved.words}"), solved.nodes
    result = strategy_result(
        game,
        solved.x[: game.shape[1]],
        status=solved.status,
        reported=solved.objective,
        info={"termination": solved.words, "bound": solved.bound},
        proven_by="HiGHS (the MILP, gap 1e-9)" if solved.status == "optimal" else "",
    )
    return result, solved.nodes
