"""Exact solution by enumeration of best-response regions (the paper's offline algorithm).

A breadth-first search over assignments W that differ in one follower-type entry visits every W whose
closed region R(W) is non-empty (a feasibility LP each); then max_x U(x, D) = max over those W of the
per-region LP max {c_W . x : x in closure R(W)}, and the best region wins.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

import numpy as np

from stackopt.backends.bayesian.outcome import require_game, strategy_result
from stackopt.backends.bayesian.regions import region_lp
from stackopt.backends.progress_log import StartLog
from stackopt.bayesian.best_response import assignment_coefficients, assignments, tie_sets
from stackopt.bayesian.game import BayesianStackelbergGame
from stackopt.result import Result


def enumerate_regions(
    game: BayesianStackelbergGame,
    max_regions: int,
    deadline: float | None,
    progress: StartLog,
) -> tuple[list[np.ndarray], int, str]:
    """BFS over single-entry changes of W from a region at the uniform strategy.

    Returns (the assignments with a non-empty closed region, the feasibility LPs solved, why the
    search stopped early: "" when it is complete, else "max_regions", "time_limit" (the
    ``time.perf_counter()`` instant ``deadline`` passed) or "interrupted" (Ctrl-C). The graph is
    connected: along any segment of the simplex the feasible W change by tie sets. Each
    feasibility LP may beat ``progress``'s heartbeat.
    """
    n, L, A, K = game.shape
    start = assignments(tie_sets(game, np.full(L, 1.0 / L)))[0]
    found, queue, seen = [start], deque([start]), {start.tobytes()}
    try:
        stopped = _search(game, max_regions, deadline, found, queue, seen, progress)
    except KeyboardInterrupt:
        stopped = "interrupted"
    return found, len(seen) - 1, stopped


def _search(
    game: BayesianStackelbergGame,
    max_regions: int,
    deadline: float | None,
    found: list[np.ndarray],
    queue: deque,
    seen: set[bytes],
    progress: StartLog,
) -> str:
    """The BFS of :func:`enumerate_regions` on its containers (which keep what it found when it
    is interrupted); why it stopped early ("" when complete)."""
    n, L, A, K = game.shape
    while queue:
        W = queue.popleft()
        for i in range(n):
            for k in range(K):
                for a in range(A):
                    neighbour = W.copy()
                    neighbour[i, k] = a
                    if neighbour.tobytes() in seen:
                        continue
                    if deadline is not None and time.perf_counter() > deadline:
                        return "time_limit"
                    seen.add(neighbour.tobytes())
                    feasible = region_lp(game, neighbour)[0]
                    progress.beat(len(seen) - 1, None, f"{len(found)} regions found")
                    if feasible:
                        if len(found) >= max_regions:
                            return "max_regions"
                        found.append(neighbour)
                        queue.append(neighbour)
    return ""


def run(game: Any, max_regions: int = 100_000, time_limit: float | None = None) -> Result:
    """Enumerate the regions, solve each region's LP, and return the best region's maximizer.

    Parameters
    ----------
    max_regions : int
        Stop enumerating after this many best-response regions (the result then says so).
    time_limit : float or None
        Wall-clock limit in seconds: the enumeration and the region LPs stop there, and the best
        region found so far is returned with status "time_limit" (with "interrupted" on Ctrl-C).

    Notes
    -----
    The run is one start on ``stackopt.bayes-enumerate`` (:mod:`stackopt.backends.progress_log`):
    its line as it ends with the LPs solved (feasibility and per-region), and during a long run a
    heartbeat with the best region's value so far.
    """
    game = require_game(game, "bayes-enumerate")
    progress = StartLog(
        "bayes-enumerate", kind="the best-response regions, an LP each", unit="HiGHS LP"
    )
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    regions, lps, stopped = enumerate_regions(game, max_regions, deadline, progress)
    best_x, best_value, solved = None, -np.inf, 0
    try:
        for W in regions:
            if solved and (
                stopped == "interrupted"
                or (deadline is not None and time.perf_counter() > deadline)
            ):
                stopped = stopped or "time_limit"
                break
            _, x, value = region_lp(game, W, assignment_coefficients(game, W))
            solved += 1
            if value > best_value:
                best_x, best_value = x, value
            progress.beat(lps + solved, best_value, f"{solved} of {len(regions)} region LPs")
    except KeyboardInterrupt:  # the best region so far, as at the time limit
        stopped = "interrupted"
    if best_x is None:  # Ctrl-C before the first region's LP: no point (stackopt.solve says so)
        raise KeyboardInterrupt
    complete = not stopped
    found = f"{len(regions)} regions found, {solved} of their LPs solved"
    message = {
        "": "",
        "max_regions": f"stopped after max_regions={max_regions} regions",
        "time_limit": f"time limit: {found}",
        "interrupted": f"interrupted (Ctrl-C): {found}",
    }[stopped]
    result = strategy_result(
        game,
        best_x,
        status={
            "": "optimal",
            "max_regions": "iteration_limit",
            "time_limit": "time_limit",
            "interrupted": "interrupted",
        }[stopped],
        reported=best_value,
        info={"regions": len(regions), "feasibility_lps": lps, "complete": complete},
        message=message,
        proven_by="enumeration of every region's LP (HiGHS)" if complete else "",
    )
    progress.end(result.status, result.reported_objective, lps + solved)
    return result
