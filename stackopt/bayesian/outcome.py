"""From a leader strategy to the common :class:`stackopt.Result`, evaluated honestly.

Every runner of this package returns its x through :func:`strategy_result`: the followers' best
responses are recomputed at x (ties to the leader's favour) and ``leader_objective`` is the exact
U(x, D) there, whatever the method believed (``reported_objective``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from stackopt.bayesian.best_response import respond
from stackopt.bayesian.game import BayesianStackelbergGame
from stackopt.errors import ModelError
from stackopt.result import Result


def require_game(game: Any, method: str) -> BayesianStackelbergGame:
    """``game`` itself, or a :class:`ModelError` naming the method that needs a Bayesian game."""
    if not isinstance(game, BayesianStackelbergGame):
        raise ModelError(
            f"method {method!r} needs a stackopt.BayesianStackelbergGame; got {type(game).__name__}"
        )
    return game


def to_simplex(x: np.ndarray) -> np.ndarray:
    """x with solver round-off removed: negatives clipped to 0 and the sum scaled to exactly 1."""
    x = np.clip(np.asarray(x, dtype=float), 0.0, None)
    return x / x.sum()


def strategy_result(
    game: BayesianStackelbergGame,
    x: np.ndarray,
    *,
    status: str,
    reported: float | None,
    info: dict[str, Any] | None = None,
    history: list[dict[str, Any]] | None = None,
    message: str = "",
) -> Result:
    """The Result for leader strategy x: U(x, D) recomputed at the followers' best responses."""
    x = to_simplex(x)
    W, value = respond(game, x)
    return Result(
        status=status,
        leader_objective=value,
        reported_objective=reported,
        violation=0.0,
        leader={"x": {l: float(p) for l, p in enumerate(x)}},
        followers={f"F{i}": {"response_by_type": W[i].tolist()} for i in range(len(W))},
        history=history or [],
        info=info or {},
        message=message,
    )
