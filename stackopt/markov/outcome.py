"""From a leader policy to the common :class:`stackopt.Result`, evaluated honestly.

Whatever a method believed, ``leader_objective`` is rho . V1 under the returned leader policy pi1
and the follower's exact regularized best response to it, recomputed by soft policy iteration
(:mod:`stackopt.markov.soft_bellman`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from stackopt.errors import ModelError
from stackopt.markov.game import MarkovStackelbergGame
from stackopt.markov.soft_bellman import soft_best_response
from stackopt.result import Result


def require_game(game: Any, method: str) -> MarkovStackelbergGame:
    """``game`` itself, or a :class:`ModelError` naming the method that needs a Markov game."""
    if not isinstance(game, MarkovStackelbergGame):
        raise ModelError(
            f"method {method!r} needs a stackopt.MarkovStackelbergGame; got {type(game).__name__}"
        )
    return game


def leader_value(game: MarkovStackelbergGame, pi1: np.ndarray, pi2: np.ndarray) -> float:
    """rho . V1 with V1 = (I - gamma P_pi)^{-1} r1_pi for the joint policy pi1 pi2."""
    w = np.einsum("sa,sb->sab", pi1, pi2)
    A = np.eye(len(game.rho)) - game.gamma * np.einsum("sab,sabt->st", w, game.P)
    return float(game.rho @ np.linalg.solve(A, np.einsum("sab,sab->s", w, game.R1)))


def table(values: np.ndarray, first: int = 0) -> dict[tuple[int, int], float]:
    """{(s, a): value} for a 2-D array whose columns are actions first, first + 1, ..."""
    return {(s, a + first): float(v) for (s, a), v in np.ndenumerate(values)}


def policy_result(
    game: MarkovStackelbergGame,
    pi1: np.ndarray,
    *,
    status: str,
    reported: float | None,
    leader_extra: dict[str, Any] | None = None,
    history: list[dict[str, Any]] | None = None,
    info: dict[str, Any] | None = None,
    message: str = "",
) -> Result:
    """The Result for leader policy pi1 (rows renormalized) at the follower's exact response."""
    pi1 = np.clip(np.asarray(pi1, dtype=float), 0.0, None)
    pi1 = pi1 / pi1.sum(axis=1, keepdims=True)
    pi2, V2 = soft_best_response(game, pi1)
    return Result(
        status=status,
        leader_objective=leader_value(game, pi1, pi2),
        reported_objective=reported,
        violation=0.0,
        leader={"pi1": table(pi1), **(leader_extra or {})},
        followers={"follower": {"pi2": table(pi2), "value": float(game.rho @ V2)}},
        history=history or [],
        info=info or {},
        message=message,
    )
