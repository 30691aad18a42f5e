"""The loop every dynamics shares: step, keep the point feasible, record, stop, judge honestly.

A dynamics is a vector field g(x) on the joint point x = (x1, x2) with per-coordinate step sizes
gamma(k) and optional additive gradient noise w_k; the loop iterates x <- P(x - gamma(k) (g(x) + w_k))
with P the projection onto the Vars' bounds (and wrapping of periodic Vars), and stops when the
noise-free projected field ||x - clip(x - g(x))||_inf is at most ``tol``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from stackopt.backends.dynamics.derivatives import GameDerivatives
from stackopt.backends.evaluation import honest_result
from stackopt.errors import OptionError
from stackopt.game import StackelbergGame
from stackopt.result import Result

# field(k, x) -> (g(x), gamma(k), noise w_k or 0.0)
Field = Callable[[int, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray | float]]


def start_point(derivatives: GameDerivatives, start: dict[str, float] | None) -> np.ndarray:
    """The joint start: ``start`` (Var name -> value) over the model's current values."""
    x = derivatives.start.copy()
    for name, value in (start or {}).items():
        if name not in derivatives.names:
            raise OptionError(
                f"start names {name!r}, not a decision Var; known: {derivatives.names}"
            )
        x[derivatives.names.index(name)] = value
    return derivatives.keep_feasible(x)


def check_iterations(max_iter: int, tol: float, record_every: int) -> None:
    """Reject non-positive loop options, naming the option."""
    for name, value in (("max_iter", max_iter), ("tol", tol), ("record_every", record_every)):
        if not value > 0:
            raise OptionError(f"{name} must be > 0, got {value}")


def learn(
    game: StackelbergGame,
    derivatives: GameDerivatives,
    field: Field,
    x: np.ndarray,
    *,
    max_iter: int,
    tol: float,
    record_every: int,
    info: dict[str, Any] | None = None,
) -> Result:
    """Run the dynamics ``field`` from ``x`` and return the honest Result with its history."""
    history: list[dict[str, Any]] = []
    d = derivatives
    k, stationarity = 0, np.inf
    for k in range(1, max_iter + 1):
        g, gamma, noise = field(k, x)
        stationarity = float(np.max(np.abs(x - np.clip(x - g, d.lb, d.ub))))
        x = d.keep_feasible(x - gamma * (g + noise))
        if k % record_every == 0 or stationarity <= tol:
            history.append({"iteration": k, "point": x.tolist(), "stationarity": stationarity})
        if stationarity <= tol:
            break
    converged = stationarity <= tol
    values = dict(zip(d.names, x))
    ev = d.evaluator
    reported = ev.leader_sign * d.blocks(x).leader_cost
    return honest_result(
        game,
        ev,
        status="locally_optimal" if converged else "iteration_limit",
        values=values,
        reported_objective=reported,
        message="" if converged else f"stationarity {stationarity:.2e} > tol after {k} steps",
        history=history,
        info={**(info or {}), "iterations": k, "point": {n: float(v) for n, v in values.items()}},
    )
