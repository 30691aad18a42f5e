"""Exact solution by enumeration of best-response regions (the paper's offline algorithm).

A breadth-first search over assignments W that differ in one follower-type entry visits every W whose
closed region R(W) is non-empty (a feasibility LP each); then max_x U(x, D) = max over those W of the
per-region LP max {c_W . x : x in closure R(W)}, and the best region wins.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np

from stackopt.backends.bayesian.outcome import require_game, strategy_result
from stackopt.backends.bayesian.regions import region_lp
from stackopt.bayesian.best_response import assignment_coefficients, assignments, tie_sets
from stackopt.bayesian.game import BayesianStackelbergGame
from stackopt.result import Result


def enumerate_regions(
    game: BayesianStackelbergGame, max_regions: int
) -> tuple[list[np.ndarray], int, bool]:
    """BFS over single-entry changes of W from a region at the uniform strategy.

    Returns (the assignments with a non-empty closed region, the feasibility LPs solved, complete).
    The graph is connected: along any segment of the simplex the feasible W change by tie sets.
    """
    n, L, A, K = game.shape
    start = assignments(tie_sets(game, np.full(L, 1.0 / L)))[0]
    found, queue, seen, lps = [start], deque([start]), {start.tobytes()}, 0
    while queue:
        W = queue.popleft()
        for i in range(n):
            for k in range(K):
                for a in range(A):
                    neighbour = W.copy()
                    neighbour[i, k] = a
                    if neighbour.tobytes() in seen:
                        continue
                    seen.add(neighbour.tobytes())
                    lps += 1
                    if region_lp(game, neighbour)[0]:
                        if len(found) >= max_regions:
                            return found, lps, False
                        found.append(neighbour)
                        queue.append(neighbour)
    return found, lps, True


def run(game: Any, max_regions: int = 100_000) -> Result:
    """Enumerate the regions, solve each region's LP, and return the best region's maximizer.

    Parameters
    ----------
    max_regions : int
        Stop enumerating after this many best-response regions (the result then says so).
    """
    game = require_game(game, "bayes-enumerate")
    regions, lps, complete = enumerate_regions(game, max_regions)
    best_x, best_value = None, -np.inf
    for W in regions:
        _, x, value = region_lp(game, W, assignment_coefficients(game, W))
        if value > best_value:
            best_x, best_value = x, value
    return strategy_result(
        game,
        best_x,
        status="optimal" if complete else "iteration_limit",
        reported=best_value,
        info={"regions": len(regions), "feasibility_lps": lps, "complete": complete},
        message="" if complete else f"stopped after max_regions={max_regions} regions",
        proven_by="enumeration of every region's LP (HiGHS)" if complete else "",
    )
