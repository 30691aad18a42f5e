"""Smoothed-response baseline: quantal-response followers and projected gradient ascent.

Follower i of type k plays pi_ik(a) = softmax_a(sum_l x_l v_i(l, a, k) / tau), so the smoothed
objective U_tau(x) = sum_theta D(theta) sum_a prod_i pi_{i theta_i}(a_i) sum_l x_l u(l, a) is smooth
and its gradient is analytic (softmax Jacobian pi (v - pi . v) / tau). As tau -> 0, U_tau tends to
U(x, D) only away from the indifference hyperplanes: the true objective jumps there, and the leader's
optimum sits on them (ties in its favour), so the baseline approaches U* from inside a region at best.
"""

from __future__ import annotations

import string
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.special import softmax

from stackopt.backends.bayesian.outcome import require_game, strategy_result
from stackopt.backends.progress_log import StartLog, counted
from stackopt.backends.projection import project_capped_simplex
from stackopt.bayesian.best_response import follower_payoffs, leader_value
from stackopt.bayesian.game import BayesianStackelbergGame
from stackopt.errors import OptionError
from stackopt.progress import progress_bar
from stackopt.result import Result


def quantal_responses(game: BayesianStackelbergGame, x: np.ndarray, tau: float) -> np.ndarray:
    """pi[i, k, a]: the softmax (temperature tau) response of follower i of type k."""
    return softmax(follower_payoffs(game, x).transpose(0, 2, 1) / tau, axis=2)


def smoothed_value_and_gradient(
    game: BayesianStackelbergGame, x: np.ndarray, tau: float
) -> tuple[float, np.ndarray]:
    """U_tau(x) and its gradient in x (direct term plus the softmax chain rule)."""
    n = game.shape[0]
    u, v = game.leader_utility, game.follower_utility
    pi = quantal_responses(game, x, tau)
    types, acts = string.ascii_lowercase[:n], string.ascii_uppercase[:n]
    pis = [pi[i] for i in range(n)]
    terms = ",".join(t + a for t, a in zip(types, acts))
    joint_actions = np.einsum(f"{types},{terms}->{acts}", game.joint, *pis)
    payoff = np.tensordot(x, u, axes=1)  # sum_l x_l u(l, a)
    value = float(np.sum(joint_actions * payoff))
    grad = np.tensordot(u, joint_actions, axes=n)
    for i in range(n):
        others = [pis[j] for j in range(n) if j != i]
        other_terms = ",".join(types[j] + acts[j] for j in range(n) if j != i)
        spec = f"{types},{other_terms + ',' if other_terms else ''}{acts}->{types[i]}{acts[i]}"
        h = np.einsum(spec, game.joint, *others, payoff) * pi[i]  # (K, A): dU/dpi * pi
        v_bar = np.einsum("kc,lck->lk", pi[i], v[i])
        grad += (np.einsum("kb,lbk->l", h, v[i]) - v_bar @ h.sum(axis=1)) / tau
    return value, grad


class _Stop(Exception):
    """The caller's callback or the time limit ended the ascent; ``why`` is (status, message)."""

    def __init__(self, why: tuple[str, str]):
        super().__init__(why[1])
        self.why = why


def anneal(
    game: BayesianStackelbergGame,
    x: np.ndarray,
    taus: np.ndarray,
    max_iter: int,
    lr: float,
    tol: float = 0.0,
    watch: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[np.ndarray, list[dict[str, float]]]:
    """Projected gradient ascent on U_tau for each tau in turn (warm-started), at most
    ``max_iter`` steps per tau, fewer once a step moves x by at most ``tol`` (largest entry);
    ``watch(state)`` after every tau may raise :class:`_Stop`. Returns x and a per-tau history
    (with the steps taken and ``last_move``, the largest entry of the last step: above ``tol``
    when the ascent ran out of steps)."""
    history: list[dict[str, float]] = []
    for tau in taus:
        steps, last_move = 0, np.inf
        while steps < max_iter and last_move > tol:
            _, grad = smoothed_value_and_gradient(game, x, tau)
            step = lr * grad / max(1.0, float(np.linalg.norm(grad)))
            moved = project_capped_simplex(x + step, 1.0)
            last_move = float(np.abs(moved - x).max())
            x = moved
            steps += 1
        smoothed = smoothed_value_and_gradient(game, x, tau)[0]
        history.append(
            {
                "tau": float(tau),
                "smoothed_objective": smoothed,
                "true_objective": leader_value(game, x),
                "steps": steps,
                "last_move": last_move,
            }
        )
        if watch is not None:
            watch({**history[-1], "leader": x.copy()})
    return x, history


def _ending(history: list[dict[str, float]], tol: float) -> tuple[str, str]:
    """The claim of an ascent that ran to its end, and why: ``locally_optimal`` when its final
    temperature's ascent stopped on ``tol`` (a fixed point of the projected step on U_tau, the
    point returned), else ``iteration_limit`` (the earlier temperatures only lead to it)."""
    last = history[-1]
    if last["last_move"] <= tol:
        return "locally_optimal", ""
    return "iteration_limit", (
        f"the ascent at the final temperature tau={last['tau']:g} ran out of its "
        f"{counted(int(last['steps']), 'step')} (max_iter): its last step moved the strategy by "
        f"{last['last_move']:.2e} > tol={tol:g}"
    )


def _log_start(
    game: BayesianStackelbergGame,
    progress: StartLog,
    run: tuple[np.ndarray, list[dict[str, float]]] | None,
    claim: str,
) -> None:
    """A start's line: the status its ``claim`` gets from the certificate at its strategy, its
    last smoothed objective and its temperatures (``run`` None: none ended)."""
    if run is None:
        progress.end(claim, None, 0)
        return
    x, history = run
    value = history[-1]["smoothed_objective"]
    status = strategy_result(game, x, status=claim, reported=value).status
    progress.end(status, value, len(history))


#: ``run`` uses its seed only above these option values
#: (starts > 1: the random starts after the first);
#: at or below them a run does not depend on the seed, and a study runs it once for all its seeds
SEED_DRAWN_WHEN = {"starts": 1}


def run(
    game: Any,
    tau: float = 1e-3,
    tau0: float = 1.0,
    stages: int = 8,
    max_iter: int = 200,
    lr: float = 0.05,
    starts: int = 4,
    seed: int = 0,
    tol: float = 1e-12,
    start: np.ndarray | None = None,
    time_limit: float | None = None,
    callback: Callable[[dict[str, Any]], bool] | None = None,
    verbose: bool = False,
) -> Result:
    """Anneal tau geometrically from tau0 to tau over ``stages`` from ``starts`` points.

    Keeps the start with the best final smoothed value; reports U_tau there and returns the true
    U(x, D) as ``leader_objective``. ``history`` has one entry per tau (with its ``steps`` and
    ``last_move``, the largest entry of its last step). The claim is ``locally_optimal`` when the
    kept start's ascent at the final tau stopped on ``tol``, else ``iteration_limit``.

    Parameters
    ----------
    tau : float
        Final temperature of the quantal responses.
    tau0 : float
        Initial temperature.
    stages : int
        Number of temperatures from tau0 to tau.
    max_iter : int
        Projected gradient steps per temperature (at most); a final temperature's ascent that
        takes them all without meeting ``tol`` ends with status "iteration_limit".
    lr : float
        Step size of the projected gradient ascent.
    starts : int
        Number of starting strategies: ``start`` (or the uniform strategy), then random ones.
    seed : int
        Seed of the random starting strategies.
    tol : float
        A temperature's ascent stops once a step moves the strategy by at most this.
    start : array or None
        The leader's first starting strategy (L probabilities); None is the uniform one.
    time_limit : float or None
        Wall-clock limit in seconds for all starts; the best strategy so far is returned with
        status "time_limit".
    callback : callable or None
        ``callback(state) -> bool`` after every temperature of every start, ``state`` = {"start",
        "tau", "smoothed_objective", "true_objective", "steps", "last_move", "leader"}; True stops with the best strategy
        so far, status "iteration_limit".
    verbose : bool
        A progress bar over the temperatures of all starts.

    Notes
    -----
    Each start logs its line as it ends on ``stackopt.bayes-smoothed``
    (:mod:`stackopt.backends.progress_log`: its certified status, smoothed objective and
    temperatures) and, during a long start, a heartbeat after a temperature.
    """
    game = require_game(game, "bayes-smoothed")
    if not tau0 >= tau:
        raise OptionError(
            f"tau0 must be at least tau: the temperature anneals down from tau0 to tau; got "
            f"tau0={tau0!r}, tau={tau!r}"
        )
    L = game.shape[1]
    first = np.full(L, 1.0 / L) if start is None else np.asarray(start, dtype=float)
    if (
        first.shape != (L,)
        or not np.all(np.isfinite(first))
        or np.any(first < 0)
        or abs(first.sum() - 1) > 1e-9
    ):
        raise OptionError(
            f"start must be a leader strategy: L = {L} probabilities summing to 1; got {start!r}"
        )
    rng = np.random.default_rng(seed)
    taus = np.geomspace(tau0, tau, stages)
    initial = [first] + [rng.dirichlet(np.ones(L)) for _ in range(starts - 1)]
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    runs: list[tuple[np.ndarray, list[dict[str, float]]]] = []
    stopped: tuple[str, str] | None = None
    with progress_bar(stages * starts, "stage", verbose, desc="bayes-smoothed") as bar:
        for k, x0 in enumerate(initial):
            partial: list[dict[str, Any]] = []  # watch's states: the history's and "leader"
            kind = (
                "a random strategy"
                if k
                else f"the {'uniform' if start is None else 'given'} strategy"
            )
            progress = StartLog(
                "bayes-smoothed", k + 1, starts, f"an annealed ascent from {kind}", "temperature"
            )

            def watch(
                state: dict[str, Any],
                k: int = k,
                partial: list = partial,
                progress: StartLog = progress,
            ) -> None:
                bar.update(1)
                partial.append(state)
                progress.beat(len(partial), state["smoothed_objective"], f"tau {state['tau']:.3g}")
                if callback is not None and callback({"start": k, **state}):
                    raise _Stop(("iteration_limit", f"stopped by the callback at start {k}"))
                if deadline is not None and time.perf_counter() > deadline:
                    raise _Stop(("time_limit", f"time limit at start {k}"))

            try:
                runs.append(anneal(game, x0, taus, max_iter, lr, tol, watch))
            except (_Stop, KeyboardInterrupt) as stop:  # Ctrl-C: the temperatures finished
                interrupted = ("interrupted", f"interrupted (Ctrl-C) at start {k}")
                stopped = stop.why if isinstance(stop, _Stop) else interrupted
                if partial:
                    history = [{k_: v for k_, v in s.items() if k_ != "leader"} for s in partial]
                    runs.append((partial[-1]["leader"], history))
                _log_start(game, progress, runs[-1] if partial else None, stopped[0])
                break
            _log_start(game, progress, runs[-1], _ending(runs[-1][1], tol)[0])
    if not runs:  # Ctrl-C before the first temperature ended
        assert stopped is not None  # only a stop leaves no run: there is always a first start
        return Result(status=stopped[0], message=stopped[1])
    x, history = max(runs, key=lambda r: r[1][-1]["smoothed_objective"])
    status, message = stopped if stopped is not None else _ending(history, tol)
    return strategy_result(
        game,
        x,
        status=status,
        message=message,
        reported=history[-1]["smoothed_objective"],
        info={"tau": float(tau), "starts": starts, "runs": len(runs)},
        history=history,
    )
