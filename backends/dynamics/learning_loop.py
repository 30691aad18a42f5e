"""The loop every dynamics shares: step, keep the point feasible, record, stop, judge honestly.

A dynamics is a vector field g(x) on the joint point x = (x1, x2) with per-coordinate step sizes
gamma(k) and optional additive gradient noise w_k; the loop iterates x <- P(x - gamma(k) (g(x) + w_k))
with P the projection onto the players' feasible sets (and wrapping of periodic Vars). It stops
when the noise-free projected field is small on a scale-free measure
(:meth:`~stackopt.backends.dynamics.derivatives.GameDerivatives.scaled_step`): the leader's part
relative to its objective and both parts weighted by the Vars' magnitudes, at most ``tol``.

What a converged run has found is the dynamics' own kind of point: the Stackelberg dynamics claim
``locally_optimal`` (a differential Stackelberg point), gradient play and LOLA claim ``feasible`` (a
Nash or LOLA point is no Stackelberg solution); the certificate of
:func:`stackopt.backends.evaluation.honest_result` decides the status.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
from pyomo.contrib.pynumero.exceptions import PyNumeroEvaluationError

from stackopt.backends.dynamics.derivatives import GameDerivatives
from stackopt.backends.dynamics.schedules import Schedule, ScheduleName
from stackopt.backends.evaluation import honest_result
from stackopt.backends.progress_log import StartLog, counted
from stackopt.backends.start_points import start_value
from stackopt.errors import OptionError
from stackopt.game import StackelbergGame
from stackopt.result import Result

log = logging.getLogger("stackopt.dynamics")


class Move(NamedTuple):
    """One evaluation of a dynamics at x: its field, step sizes, noise and the leader's cost."""

    field: np.ndarray
    gamma: np.ndarray | float
    noise: np.ndarray | float
    leader_cost: float


Field = Callable[[int, np.ndarray], Move]


class FieldUndefined(RuntimeError):
    """A dynamics' field has no value at the point (no follower equilibrium there)."""


def start_point(derivatives: GameDerivatives, start: dict[str, float] | None) -> np.ndarray:
    """The joint start: ``start`` (Var name -> value) over the model's current values, projected
    onto the players' sets; a value that is not a finite number is an OptionError, one outside
    its Var's bounds is warned of at the caller's line
    (:func:`~stackopt.backends.start_points.start_value`, as for every method)."""
    d = derivatives
    x = d.start.copy()
    for name, value in (start or {}).items():
        if name not in d.names:
            raise OptionError(f"start names {name!r}, not a decision Var; known: {d.names}")
        i = d.names.index(name)
        x[i] = start_value(name, value, d.lb[i], d.ub[i])
    return d.keep_feasible(x)


def player_steps(
    d: GameDerivatives, step: float | tuple[float, ...], schedule: ScheduleName | float
) -> Callable[[int], np.ndarray]:
    """k -> gamma(k) per coordinate: ``step`` is every player's gamma0, or one per player (the
    leader first, then the followers in model order), each decaying by ``schedule``."""
    steps = [step] if isinstance(step, (int, float)) else list(step)
    players = 1 + len(d.follower_slices)
    if len(steps) not in (1, players):
        raise OptionError(
            f"step must be one number or one per player ({players}: the leader, then each "
            f"follower), got {len(steps)}"
        )
    owner = np.zeros(d.n1 + d.n2, int)
    for i, (lo, hi) in enumerate(d.follower_slices, start=1):
        owner[d.n1 + lo : d.n1 + hi] = i if len(steps) > 1 else 0
    schedules = [Schedule(schedule, s) for s in steps]
    return lambda k: np.array([g(k) for g in schedules])[owner]


@dataclass
class Loop:
    """The options every dynamics' loop takes (the runners' ``max_iter`` ... ``callback``)."""

    max_iter: int
    tol: float
    record_every: int = 10
    time_limit: float | None = None
    callback: Callable[[dict[str, Any]], bool] | None = None
    verbose: bool = False
    _deadline: float | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        """Reject bad loop options, naming the option."""
        for name in ("max_iter", "tol", "record_every"):
            value = getattr(self, name)
            if not value > 0:
                raise OptionError(f"{name} must be > 0, got {value}")
        limit = self.time_limit
        if limit is not None and not (isinstance(limit, (int, float)) and limit > 0):
            raise OptionError(f"time_limit must be a positive number of seconds, got {limit!r}")
        if self.callback is not None and not callable(self.callback):
            raise OptionError(f"callback must be callable, got {self.callback!r}")

    def start(self) -> None:
        """Start the wall clock of ``time_limit``."""
        limit = self.time_limit
        object.__setattr__(
            self, "_deadline", None if limit is None else time.perf_counter() + limit
        )

    def stop(self, k: int, row: dict[str, Any]) -> tuple[str, str] | None:
        """(status, message) when the callback asks to stop after step k or time is up, else
        None."""
        if self.callback is not None and self.callback(row):
            return "iteration_limit", f"stopped by the callback after {counted(k, 'step')}"
        if self._deadline is not None and time.perf_counter() > self._deadline:
            return "time_limit", f"time limit after {counted(k, 'step')}"
        return None

    @staticmethod
    def interrupted(k: int) -> tuple[str, str]:
        """(status, message) of a run that Ctrl-C ended at step k: the last point the run reached
        (the loop assigns each step's point at once) is returned and judged."""
        return (
            "interrupted",
            f"interrupted (Ctrl-C) during step {k}; the point before it is returned",
        )


def check_noise(noise: float) -> None:
    """Reject a negative noise level."""
    if not noise >= 0:
        raise OptionError(f"noise must be >= 0, got {noise}")


def learn(
    game: StackelbergGame,
    derivatives: GameDerivatives,
    field: Field,
    start: dict[str, float] | None,
    loop: Loop,
    *,
    method: str,
    claim: str,
    nature: str,
    info: dict[str, Any] | None = None,
) -> Result:
    """Run the dynamics ``field`` from ``start``; a converged run claims ``claim`` at a point of
    ``nature`` (said in the message), the certificate decides the status. Where the field is
    undefined (:class:`FieldUndefined`: the followers cannot respond at a step's point), the run
    ends "error" at the last point whose field was defined, judged like any other. Its progress
    goes to ``stackopt.<method>`` at INFO (:mod:`stackopt.backends.progress_log`; no heartbeat
    where ``verbose`` logs the recorded steps)."""
    history: list[dict[str, Any]] = []
    d = derivatives
    x = start_point(d, start)
    max_iter, tol = loop.max_iter, loop.tol
    loop.start()
    progress = StartLog(method, heartbeat=not loop.verbose)
    sign = d.evaluator.leader_sign
    k, stationarity, status, why = 0, np.inf, "iteration_limit", ""
    defined = x  # the last point whose field was defined
    try:
        for k in range(1, max_iter + 1):
            try:
                move = field(k, x)
            except FieldUndefined as exc:
                status, why, x = "error", f"step {k}: {exc}", defined
                break
            defined = x
            leader_part, follower_part = d.scaled_step(x, move.field, move.leader_cost)
            stationarity = max(leader_part, follower_part)
            row = {
                "iteration": k,
                "point": x.tolist(),
                "leader_cost": move.leader_cost,
                "stationarity": stationarity,
                "leader_stationarity": leader_part,
                "follower_stationarity": follower_part,
            }
            if stationarity <= tol:
                history.append(row)
                status = claim
                break
            x = d.keep_feasible(x - move.gamma * (move.field + move.noise))
            progress.beat(k, sign * move.leader_cost)
            if k % loop.record_every == 0:
                history.append(row)
                if loop.verbose:
                    log.info(
                        "step %d: leader cost %.6g, stationarity %.3g",
                        k,
                        move.leader_cost,
                        stationarity,
                    )
            stopped = loop.stop(k, row)
            if stopped:
                status, why = stopped
                break
    except KeyboardInterrupt:  # Ctrl-C: the last finished step's point is judged
        status, why = loop.interrupted(k)
    if status == "iteration_limit" and not why:
        why = f"scaled stationarity {stationarity:.2e} > tol {tol:g} after {counted(k, 'step')}"
    message = f"converged to {nature} after {counted(k, 'step')}" if status == claim else why
    values = dict(zip(d.names, x))
    ev = d.evaluator
    try:
        reported = sign * d.blocks(x).leader_cost
    except PyNumeroEvaluationError:  # a start where the functions are undefined (y log y at 0)
        reported = None
    result = honest_result(
        game,
        ev,
        status=status,
        values=values,
        reported_objective=reported,
        message=message,
        history=history,
        info={
            **(info or {}),
            "iterations": k,
            "stationarity": stationarity,
            "point": {n: float(v) for n, v in values.items()},
        },
        evidence={"dynamics_stationarity": stationarity, "converged_to": nature}
        if status == claim
        else None,
    )
    progress.end(result.status, reported, k)
    return result
