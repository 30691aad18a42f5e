"""From a leader policy to the common :class:`stackopt.Result`, evaluated honestly.

Whatever a method believed, ``leader_objective`` is rho . V1 under the returned leader policy pi1
and the follower's exact regularized best response to it, recomputed by soft policy iteration
(:mod:`stackopt.backends.markov.soft_bellman`). The certificate holds that response (the follower's problem
is strictly concave in its occupancy measure, so its best response is unique and the Nash gap is
zero) and, for a claimed local optimum, the leader's first-order stationarity there: the ascent
left over the product of simplices by the leader's total policy gradient
(:func:`stackopt.backends.markov.policy_gradient.stationarity_gap`), divided by max(1, |V1|). The status
follows :func:`stackopt.certificate.derive_status`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from stackopt.backends.markov.policy import logits
from stackopt.backends.markov.policy_gradient import implicit_gradient, stationarity_gap
from stackopt.backends.markov.soft_bellman import soft_best_response
from stackopt.certificate import (
    STATIONARITY_TOL,
    Certificate,
    EquilibriumCheck,
    FollowerCheck,
    StationarityCheck,
    certifying,
    derive_status,
)
from stackopt.errors import ModelError
from stackopt.markov.game import MarkovStackelbergGame
from stackopt.messages import then
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
    evidence: dict[str, Any] | None = None,
) -> Result:
    """The certified Result for leader policy pi1 (rows renormalized) at the follower's exact
    response; ``status`` is the method's claim."""
    pi1 = np.clip(np.asarray(pi1, dtype=float), 0.0, None)
    pi1 = pi1 / pi1.sum(axis=1, keepdims=True)
    pi2, V2 = soft_best_response(game, pi1)
    objective = leader_value(game, pi1, pi2)
    follower_cost = -float(game.rho @ V2)
    certificate = Certificate(
        checked=certifying(),
        equilibrium=EquilibriumCheck(
            holds=True,
            gap=0.0,
            followers=[
                FollowerCheck(
                    "follower",
                    follower_cost,
                    0.0,
                    follower_cost,
                    0.0,
                    "soft policy iteration (the unique regularized best response)",
                    exact=True,
                )
            ],
            exact=True,
        ),
        objective=objective,
        violation=0.0,
        claim=status,
        evidence=dict(evidence or {}),
    )
    if certificate.checked and status in ("optimal", "locally_optimal"):
        certificate.stationarity = policy_stationarity(game, pi1, pi2, objective)
    status, why = derive_status(status, certificate)
    if why:
        message = then(message, why)
    return Result(
        status=status,
        leader_objective=objective,
        reported_objective=reported,
        violation=0.0,
        leader={"pi1": table(pi1), **(leader_extra or {})},
        followers={"follower": {"pi2": table(pi2), "value": float(game.rho @ V2)}},
        history=history or [],
        info=info or {},
        message=message,
        certificate=certificate,
    )


def policy_stationarity(
    game: MarkovStackelbergGame, pi1: np.ndarray, pi2: np.ndarray, objective: float
) -> StationarityCheck:
    """The leader's scaled first-order ascent left at pi1 against the exact response pi2."""
    grad = implicit_gradient(game, pi1, logits(pi2))
    value = stationarity_gap(grad.total, pi1) / max(1.0, abs(objective))
    if value <= STATIONARITY_TOL:
        return StationarityCheck("S", True, value)
    return StationarityCheck(
        "none",
        False,
        value,
        message=f"the leader's value rises at rate {value:.3g} (scaled) towards another policy",
    )
