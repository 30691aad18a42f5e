"""Smoothed-response baseline: quantal-response followers and projected gradient ascent.

Follower i of type k plays pi_ik(a) = softmax_a(sum_l x_l v_i(l, a, k) / tau), so the smoothed
objective U_tau(x) = sum_theta D(theta) sum_a prod_i pi_{i theta_i}(a_i) sum_l x_l u(l, a) is smooth
and its gradient is analytic (softmax Jacobian pi (v - pi . v) / tau). As tau -> 0, U_tau tends to
U(x, D) only away from the indifference hyperplanes: the true objective jumps there, and the leader's
optimum sits on them (ties in its favour), so the baseline approaches U* from inside a region at best.
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np
from scipy.special import softmax

from stackopt.backends.bayesian.outcome import require_game, strategy_result
from stackopt.backends.projection import project_capped_simplex
from stackopt.bayesian.best_response import follower_payoffs, leader_value
from stackopt.bayesian.game import BayesianStackelbergGame
from stackopt.errors import OptionError
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


def anneal(
    game: BayesianStackelbergGame, x: np.ndarray, taus: np.ndarray, steps: int, lr: float
) -> tuple[np.ndarray, list[dict[str, float]]]:
    """Projected gradient ascent on U_tau for each tau in turn (warm-started); per-tau history."""
    history = []
    for tau in taus:
        for _ in range(steps):
            _, grad = smoothed_value_and_gradient(game, x, tau)
            x = project_capped_simplex(x + lr * grad / max(1.0, float(np.linalg.norm(grad))), 1.0)
        smoothed = smoothed_value_and_gradient(game, x, tau)[0]
        history.append(
            {
                "tau": float(tau),
                "smoothed_objective": smoothed,
                "true_objective": leader_value(game, x),
            }
        )
    return x, history


#: ``run`` uses its seed only above these option values
#: (starts > 1: the random starts after the first);
#: at or below them a run does not depend on the seed, and a study runs it once for all its seeds
SEED_DRAWN_WHEN = {"starts": 1}


def run(
    game: Any,
    tau: float = 1e-3,
    tau0: float = 1.0,
    stages: int = 8,
    steps: int = 200,
    lr: float = 0.05,
    starts: int = 4,
    seed: int = 0,
) -> Result:
    """Anneal tau geometrically from tau0 to tau over ``stages`` from ``starts`` random points.

    Keeps the start with the best final smoothed value; reports U_tau there and returns the true
    U(x, D) as ``leader_objective``. ``history`` has one entry per tau.

    Parameters
    ----------
    tau : float
        Final temperature of the quantal responses.
    tau0 : float
        Initial temperature.
    stages : int
        Number of temperatures from tau0 to tau.
    steps : int
        Projected gradient steps per temperature.
    lr : float
        Step size of the projected gradient ascent.
    starts : int
        Number of random starting strategies.
    seed : int
        Seed of the starting strategies.
    """
    game = require_game(game, "bayes-smoothed")
    for name, value in {"tau": tau, "tau0": tau0, "lr": lr}.items():
        if not value > 0:
            raise OptionError(f"{name} must be positive; got {value!r}")
    for name, value in {"stages": stages, "steps": steps, "starts": starts}.items():
        if not isinstance(value, int) or value < 1:
            raise OptionError(f"{name} must be a positive integer; got {value!r}")
    L = game.shape[1]
    rng = np.random.default_rng(seed)
    taus = np.geomspace(tau0, tau, stages)
    initial = [np.full(L, 1.0 / L)] + [rng.dirichlet(np.ones(L)) for _ in range(starts - 1)]
    runs = [anneal(game, x0, taus, steps, lr) for x0 in initial]
    x, history = max(runs, key=lambda r: r[1][-1]["smoothed_objective"])
    return strategy_result(
        game,
        x,
        status="locally_optimal",
        reported=history[-1]["smoothed_objective"],
        info={"tau": float(tau), "starts": starts},
        history=history,
    )
