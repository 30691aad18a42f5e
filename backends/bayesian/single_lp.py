"""Exact solution by one LP over z(W, l) >= 0, for every assignment W in A^(n x K) (paper, (16)-(17)).

    max  sum_W sum_l z(W, l) c_W(l)                                         (16)
    s.t. sum_l z(W, l) [v_i(l, W[i, k], k) - v_i(l, a, k)] >= 0  for all W, i, k, a   (17)
         sum_W sum_l z(W, l) = 1

Row z(W, .) is a scaled point of the closed region R(W) (it is forced to 0 when R(W) is empty), so
the LP mixes per-region LPs and its optimum is the best region's. x* is recovered from a non-zero row:
x* = z(W*, .) / sum_l z(W*, l) for the non-zero row with the best value per unit of mass.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from stackopt.backends.bayesian.outcome import require_game, strategy_result
from stackopt.backends.bayesian.regions import incentive_matrix
from stackopt.backends.progress_log import StartLog
from stackopt.bayesian.best_response import assignment_coefficients
from stackopt.errors import OptionError
from stackopt.result import Result

ROW_TOL = 1e-9


def run(game: Any, max_assignments: int = 4096, time_limit: float | None = None) -> Result:
    """Solve the single LP (16)-(17) with HiGHS and recover x* from its best non-zero row.

    Parameters
    ----------
    max_assignments : int
        Refuse games with more follower assignments A^(n K) than this (the LP grows with them).
    time_limit : float or None
        Wall-clock limit in seconds; HiGHS gets what building the LP left, and a stop there has
        no point to return (status "time_limit").

    Notes
    -----
    The LP is the run's one start on ``stackopt.bayes-lp``: its line as it ends, with HiGHS's
    iterations (:mod:`stackopt.backends.progress_log`).
    """
    progress = StartLog("bayes-lp", kind="the single LP (16)-(17), HiGHS", unit="HiGHS iteration")
    result, iterations = _solve(game, max_assignments, time_limit)
    progress.end(result.status, result.reported_objective, iterations)
    return result


def _solve(game: Any, max_assignments: int, time_limit: float | None) -> tuple[Result, int]:
    """The Result of :func:`run` and HiGHS's iterations."""
    started = time.perf_counter()
    game = require_game(game, "bayes-lp")
    n, L, A, K = game.shape
    count = A ** (n * K)
    if count > max_assignments:
        raise OptionError(
            f"the single LP has A**(n*K) = {count} assignments W, above "
            f"max_assignments={max_assignments}; raise max_assignments or use 'bayes-enumerate'"
        )
    Ws = [np.array(w).reshape(n, K) for w in itertools.product(range(A), repeat=n * K)]
    c = np.concatenate([assignment_coefficients(game, W) for W in Ws])
    G = sp.block_diag([sp.csr_matrix(incentive_matrix(game, W)) for W in Ws], format="csr")
    highs = {}
    if time_limit is not None:
        highs["time_limit"] = max(1e-3, time_limit - (time.perf_counter() - started))
    res = linprog(
        -c,
        A_ub=-G,
        b_ub=np.zeros(G.shape[0]),
        A_eq=np.ones((1, count * L)),
        b_eq=[1.0],
        bounds=(0, None),
        method="highs",
        options=highs,
    )
    if res.status == 1 and time_limit is not None and time.perf_counter() - started >= time_limit:
        return Result(status="time_limit", message=f"HiGHS: {res.message}"), res.nit
    if res.status != 0:
        return Result(status="error", message=f"HiGHS: {res.message}"), res.nit
    z = res.x.reshape(count, L)
    mass = z.sum(axis=1)
    rows = np.flatnonzero(mass > ROW_TOL)
    per_unit = (z[rows] * c.reshape(count, L)[rows]).sum(axis=1) / mass[rows]
    best = rows[int(np.argmax(per_unit))]
    result = strategy_result(
        game,
        z[best] / mass[best],
        status="optimal",
        proven_by="HiGHS (the single LP)",
        reported=float(-res.fun),
        info={"assignments": count, "nonzero_rows": len(rows), "row": Ws[best].tolist()},
    )
    return result, res.nit
