"""From a leader strategy to the common :class:`stackopt.Result`, evaluated honestly.

Every runner of this package returns its x through :func:`strategy_result`: the followers' best
responses are recomputed at x (ties to the leader's favour) and ``leader_objective`` is the exact
U(x, D) there, whatever the method believed (``reported_objective``). The certificate holds those
best responses (exact: each follower's finite actions are enumerated per type, so every Nash gap is
0) and, for a claimed ``optimal``, the bound the method proved (an LP or MILP optimum, or a
complete enumeration), which U(x, D) must attain; the status follows
:func:`stackopt.certificate.derive_status`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from stackopt.bayesian.best_response import respond
from stackopt.bayesian.game import BayesianStackelbergGame
from stackopt.certificate import (
    Certificate,
    EquilibriumCheck,
    FollowerCheck,
    GlobalBound,
    certifying,
    derive_status,
)
from stackopt.errors import ModelError
from stackopt.messages import then
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
    proven_by: str = "",
) -> Result:
    """The certified Result for leader strategy x: U(x, D) recomputed at the followers' best
    responses. ``status`` is the method's claim; ``proven_by`` names what proved ``reported``
    the global optimum ("" if nothing did)."""
    x = to_simplex(x)
    W, value = respond(game, x)
    certificate = Certificate(
        checked=certifying(),
        equilibrium=EquilibriumCheck(
            holds=True, gap=0.0, followers=_follower_checks(game, x, W), exact=True
        ),
        objective=value,
        violation=0.0,
        global_bound=GlobalBound(proven_by, True, reported, 0.0) if proven_by else None,
        claim=status,
    )
    status, why = derive_status(status, certificate)
    if why:
        message = then(message, why)
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
        certificate=certificate,
    )


def _follower_checks(
    game: BayesianStackelbergGame, x: np.ndarray, W: np.ndarray
) -> list[FollowerCheck]:
    """Each follower's expected cost (minimization form) at its best responses W, by enumeration."""
    n, _, _, K = game.shape
    v = np.einsum("l,ilak->iak", x, game.follower_utility)  # (n, A, K)
    checks = []
    for i in range(n):
        marginal = game.joint.sum(axis=tuple(j for j in range(n) if j != i))
        cost = -float(marginal @ v[i, W[i], np.arange(K)])
        method = "enumeration of its actions per type"
        checks.append(FollowerCheck(f"F{i}", cost, 0.0, cost, 0.0, method, exact=True))
    return checks
