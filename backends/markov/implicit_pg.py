"""``method="implicit-pg"``: the two-timescale implicit policy gradient (Das et al.).

With theta1, theta2 the free logits, J1 the leader's value and J2 the follower's entropy-
regularized value, the follower ascends J2 on the fast timescale and the leader ascends the total
derivative of theta1 -> J1(theta1, theta2*(theta1)), theta2* the regularized best response:

    theta2 <- theta2 + beta_k grad_2 J2,
    theta1 <- theta1 + alpha_k (d pi1 / d theta1)^T G,

with G the leader's total gradient in its policy table (implicit function theorem on
grad_2 J2 = 0, by adjoint solves on Hessian-vector products: :mod:`.policy_gradient`), and
decaying schedules alpha_k = o(beta_k) (the two-timescale conditions of the paper). A run starts
at the follower's exact response to the leader's start and stops when the leader's first-order
ascent left in the policy space (:func:`.policy_gradient.stationarity_gap`, not the logits'
gradient, which vanishes at any saturated policy) and the follower's gradient are small. A run
that ends without that (a step or time limit, the callback, Ctrl-C) returns its best leader policy
among the start, every recorded step and the last, each valued at the follower's exact response
(a step too long for a small ``lam`` can leave the last iterate far below the start).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from stackopt.backends.dynamics.schedules import Schedule, ScheduleName
from stackopt.backends.markov.outcome import leader_value, policy_result, require_game, table
from stackopt.backends.markov.policy import logits, probabilities
from stackopt.backends.markov.policy_gradient import (
    implicit_gradient,
    leader_logit_gradient,
    stationarity_gap,
)
from stackopt.backends.markov.soft_bellman import soft_best_response
from stackopt.backends.markov.starts import best_run, leader_starts, start_kind
from stackopt.backends.progress_log import StartLog, counted
from stackopt.errors import OptionError
from stackopt.markov.game import MarkovStackelbergGame
from stackopt.result import Result

log = logging.getLogger("stackopt.implicit-pg")


#: ``run`` uses its seed only above these option values
#: (multistart > 1: the random starts after the first);
#: at or below them a run does not depend on the seed, and a study runs it once for all its seeds
SEED_DRAWN_WHEN = {"multistart": 1}


def run(
    game: MarkovStackelbergGame,
    leader_step: float = 10.0,
    follower_step: float = 10.0,
    leader_schedule: ScheduleName | float = 0.6,
    follower_schedule: ScheduleName | float = 0.4,
    single_timescale: bool = False,
    max_iter: int = 5000,
    tol: float = 1e-6,
    time_limit: float | None = None,
    start: np.ndarray | None = None,
    seed: int = 0,
    multistart: int = 1,
    record_every: int = 50,
    verbose: bool = False,
    callback: Callable[[dict[str, Any]], bool] | None = None,
) -> Result:
    """Two-timescale implicit policy gradient (module docstring); the best certified of the starts.

    Parameters
    ----------
    leader_step : float
        The leader's step size alpha_1.
    follower_step : float
        The follower's step size beta_1.
    leader_schedule : str or float
        How the leader's step decays: a power p (alpha_1 / k**p) or a name of
        :mod:`stackopt.backends.dynamics.schedules`; it must decay faster than the follower's.
    follower_schedule : str or float
        How the follower's step decays.
    single_timescale : bool
        Allow schedules that decay alike (then leader_step <= follower_step is required).
    max_iter : int
        Maximum number of steps per start.
    tol : float
        Stop when the leader's scaled ascent left in the policy space and the follower's scaled
        gradient are at most tol.
    time_limit : float or None
        Wall-clock limit in seconds for all starts; status "time_limit".
    start, seed, multistart
        As in :func:`stackopt.backends.markov.nlp.run`.
    record_every : int
        Record a history row every this many steps.
    verbose : bool
        Log the recorded rows (logger "stackopt.implicit-pg") instead of the heartbeat; each
        start's line is logged as it ends either way (:mod:`stackopt.backends.progress_log`).
    callback : callable or None
        ``callback(row) -> bool`` after every step with the step's history row; True stops.
    """
    game = require_game(game, "implicit-pg")
    alpha = Schedule(leader_schedule, leader_step)
    beta = Schedule(follower_schedule, follower_step)
    if alpha.decay_order() <= beta.decay_order():
        if not single_timescale:
            raise OptionError(
                f"implicit-pg needs alpha_k = o(beta_k): leader_schedule {leader_schedule!r} must "
                f"decay faster than follower_schedule {follower_schedule!r} (or pass "
                "single_timescale=True)"
            )
        if alpha.decay_order() == beta.decay_order() and leader_step > follower_step:
            raise OptionError(
                f"a single timescale needs leader_step <= follower_step; got {leader_step} > "
                f"{follower_step}"
            )
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    starts = leader_starts(game, start, seed, multistart)

    def runs() -> Iterator[Result]:
        for k, pi1 in enumerate(starts):
            progress = StartLog(
                "implicit-pg",
                k + 1,
                multistart,
                f"a policy-gradient run from {start_kind(k, start)}",
                heartbeat=not verbose,  # verbose logs the recorded steps
            )
            res = _ascend(
                game, pi1, alpha, beta, max_iter, tol, deadline, record_every, verbose, callback,
                progress,
            )  # fmt: skip
            progress.end(res.status, res.reported_objective, res.info["iterations"])
            yield res

    return best_run(runs(), lambda r: r.status == "time_limit" or bool(r.info.get("stopped")))


def _gap_at_response(game: MarkovStackelbergGame, pi1: np.ndarray) -> float:
    """The leader's scaled ascent left against the follower's exact regularized response (a
    lagging follower can hide a slope)."""
    theta2 = logits(soft_best_response(game, pi1)[0])
    grad = implicit_gradient(game, pi1, theta2)
    return stationarity_gap(grad.total, pi1) / max(1.0, abs(grad.J1))


class _Best:
    """The leader policy of the highest value at the follower's exact response among those
    offered, with its history row."""

    def __init__(self, game: MarkovStackelbergGame, row: dict[str, Any]):
        self.game, self.value, self.row = game, -np.inf, row
        self.theta1 = np.empty(0)

    def offer(self, pi1: np.ndarray, row: dict[str, Any]) -> None:
        value = leader_value(self.game, pi1, soft_best_response(self.game, pi1)[0])
        if value > self.value:
            self.value, self.row, self.theta1 = value, row, logits(pi1)


def _ascend(
    game: MarkovStackelbergGame,
    pi1: np.ndarray,
    alpha: Schedule,
    beta: Schedule,
    max_iter: int,
    tol: float,
    deadline: float | None,
    record_every: int,
    verbose: bool,
    callback: Callable[[dict[str, Any]], bool] | None,
    progress: StartLog,
) -> Result:
    """One run from leader policy pi1 (logits of its rows, clipped away from 0), beating
    ``progress`` with the leader's value and the stationarity."""
    theta1 = logits(np.clip(pi1, 1e-12, None) / np.clip(pi1, 1e-12, None).sum(1, keepdims=True))
    theta2 = logits(soft_best_response(game, probabilities(theta1))[0])
    history: list[dict[str, Any]] = []
    k, status, why, stopped, warm, start_value = 0, "iteration_limit", "", False, None, None
    row: dict[str, Any] = {"leader_value": None, "stationarity": np.inf}
    row["leader_stationarity"] = np.inf
    best = _Best(game, row)
    try:
        for k in range(1, max_iter + 1):
            pi1 = probabilities(theta1)
            grad = implicit_gradient(game, pi1, theta2, warm)
            warm = grad.adjoint
            start_value = grad.J1 if start_value is None else start_value
            leader_gap = stationarity_gap(grad.total, pi1) / max(1.0, abs(grad.J1))
            follower_gap = float(np.max(np.abs(grad.follower), initial=0.0)) / max(
                1.0, abs(grad.J2)
            )
            row = {
                "iteration": k,
                "leader_value": grad.J1,
                "improvement": grad.J1 - start_value,
                "stationarity": max(leader_gap, follower_gap),
                "leader_stationarity": leader_gap,
                "follower_stationarity": follower_gap,
            }
            if max(leader_gap, follower_gap) <= tol and _gap_at_response(game, pi1) <= tol:
                history.append(row)
                status = "locally_optimal"
                break
            if k == 1 or k % record_every == 0:
                best.offer(pi1, row)
            if k % record_every == 0:
                history.append(row)
                if verbose:
                    log.info("step %d: V1 %.6g, stationarity %.3g", k, grad.J1, row["stationarity"])
            progress.beat(k, grad.J1, f"stationarity {row['stationarity']:.3g}")
            theta1 = theta1 + alpha(k) * leader_logit_gradient(grad.total, pi1)
            theta2 = theta2 + beta(k) * grad.follower
            if callback is not None and callback(row):
                why, stopped = f"stopped by the callback after {counted(k, 'step')}", True
                break
            if deadline is not None and time.perf_counter() > deadline:
                status, why = "time_limit", f"time limit after {counted(k, 'step')}"
                break
    except KeyboardInterrupt:  # Ctrl-C: the best policy so far is judged; no further start
        status, why, stopped = "interrupted", f"interrupted (Ctrl-C) at step {k}", True
    last = row
    if status == "iteration_limit" and not why:
        why = f"stationarity {last['stationarity']:.2e} > tol {tol:g} after {counted(k, 'step')}"
        if last["stationarity"] <= tol:
            why = (
                f"stationarity {_gap_at_response(game, pi1):.2e} against the follower's exact "
                f"response > tol {tol:g} after {counted(k, 'step')} (against its lagging iterate "
                f"{last['stationarity']:.2e})"
            )
    if status != "locally_optimal":
        best.offer(probabilities(theta1), row)
        theta1, last = best.theta1, best.row
        if best.row is not row:
            why += (
                f"; returned the best leader policy, of step {best.row['iteration']} (leader "
                f"value {best.value:.6g} at the follower's exact response)"
            )
    return policy_result(
        game,
        probabilities(theta1),
        status=status,
        reported=last["leader_value"],
        leader_extra={"theta1": table(theta1, first=1)},
        history=history,
        info={"iterations": k, "stationarity": last["stationarity"], "stopped": stopped},
        message="" if status == "locally_optimal" else why,
        evidence={"policy_stationarity": last["leader_stationarity"]},
    )
