"""Simulated followers for T rounds, the per-round regret, and the ``bayes-learn`` runner.

Each round: the learner commits to x_t; types theta_t ~ D are drawn; the followers play their best
responses (ties to the leader's favour); the learner observes theta_t (type feedback) or only the
joint action (action feedback). The regret of round t is the expected loss U(x*, D) - U(x_t, D)
against the exact optimum (pseudo-regret), so the curves are free of the reward noise.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from stackopt.backends.bayesian.action_feedback import RegionUCBLearner
from stackopt.backends.bayesian.linear_bandit import LinearBanditLearner
from stackopt.backends.bayesian.outcome import require_game, strategy_result
from stackopt.backends.bayesian.type_feedback import EmpiricalTypeLearner, ProductTypeLearner
from stackopt.backends.bayesian.vertices import VertexTable, vertex_table
from stackopt.backends.progress_log import StartLog, counted
from stackopt.bayesian.best_response import respond
from stackopt.bayesian.game import BayesianStackelbergGame
from stackopt.errors import OptionError
from stackopt.progress import progress_bar
from stackopt.result import Result

LEARNERS = {
    "type-joint": (
        EmpiricalTypeLearner,
        "Algorithm 1: best response to the empirical distribution",
    ),
    "type-product": (ProductTypeLearner, "Algorithm 2: best response to the product of marginals"),
    "action-ucb": (RegionUCBLearner, "Algorithm 3: UCB over best-response regions"),
    "action-linear": (LinearBanditLearner, "Algorithm 5: linear bandit over type profiles"),
}
CHECKPOINTS = 40
REGRET_TOL = 1e-9  # round-off between two exact evaluations of the same optimum


def make_learner(name: str, game: BayesianStackelbergGame, table: VertexTable | None = None) -> Any:
    """A fresh learner by name (see :data:`LEARNERS`), on the vertex ``table`` if given."""
    if name not in LEARNERS:
        raise OptionError(f"unknown learner {name!r}; known learners: {', '.join(LEARNERS)}")
    return LEARNERS[name][0](game, table)


def optimal_value(game: BayesianStackelbergGame, table: VertexTable | None = None) -> float:
    """U(x*, D), the exact optimum (through the arrangement vertices)."""
    return (table if table is not None else vertex_table(game)).best(game.joint.ravel())[1]


def simulate(
    game: BayesianStackelbergGame,
    learner: Any,
    T: int,
    seed: int,
    table: VertexTable | None = None,
    stop: Callable[[int, float], bool] | None = None,
) -> np.ndarray:
    """The per-round regret U(x*, D) - U(x_t, D), t = 1..T, of ``learner`` against the game;
    shorter when ``stop(t, regret_t)`` is True after round t."""
    n, _, _, K = game.shape
    rng = np.random.default_rng(seed)
    drawn = rng.choice(K**n, size=T, p=game.joint.ravel())
    types = np.array(np.unravel_index(drawn, (K,) * n))
    best = optimal_value(game, table)
    responses: dict[bytes, tuple[np.ndarray, float]] = {}
    regret = np.empty(T)
    for t in range(T):
        x = learner.act(t + 1)
        key = x.tobytes()
        if key not in responses:
            responses[key] = respond(game, x)
        W, value = responses[key]
        regret[t] = best - value if best - value > REGRET_TOL else 0.0
        theta = types[:, t]
        actions = W[np.arange(n), theta]
        learner.observe(theta if learner.feedback == "type" else None, actions)
        if stop is not None and stop(t + 1, regret[t]):
            return regret[: t + 1]
    return regret


def checkpoints(cumulative: np.ndarray) -> list[dict[str, float]]:
    """The cumulative regret at about ``CHECKPOINTS`` log-spaced rounds (and the last one)."""
    rounds = np.unique(np.geomspace(1, len(cumulative), CHECKPOINTS).astype(int))
    return [{"round": int(t), "cumulative_regret": float(cumulative[t - 1])} for t in rounds]


def run(
    game: Any,
    learner: str = "type-joint",
    T: int = 1000,
    seed: int = 0,
    max_systems: int = 200_000,
    time_limit: float | None = None,
    callback: Callable[[dict[str, Any]], bool] | None = None,
    verbose: bool = False,
) -> Result:
    """Play ``learner`` for T rounds against simulated followers; return its final strategy.

    ``history`` holds log-spaced checkpoints of the cumulative regret; ``info`` its final value.

    Parameters
    ----------
    learner : str
        type-joint, type-product (type feedback), action-ucb or action-linear (action feedback).
    T : int
        Number of rounds.
    seed : int
        Seed of the followers' types.
    max_systems : int
        Refuse games whose hyperplane arrangement needs more linear systems than this.
    time_limit : float or None
        Wall-clock limit in seconds for the rounds; the learner's recommendation after the last
        round played is returned with status "time_limit".
    callback : callable or None
        ``callback(state) -> bool`` after every round, ``state`` = {"round", "regret"} (that
        round's pseudo-regret); True ends the play with status "iteration_limit".
    verbose : bool
        A progress bar over the rounds.

    Notes
    -----
    The play is one start on ``stackopt.bayes-learn`` (:mod:`stackopt.backends.progress_log`):
    its line as it ends, and during a long play a heartbeat with the round, the exact value
    U(x_t, D) of the round's strategy and the cumulative regret.
    """
    game = require_game(game, "bayes-learn")
    progress = StartLog("bayes-learn", kind=f"{learner} against simulated followers", unit="round")
    table = vertex_table(game, max_systems)
    agent = make_learner(learner, game, table)
    optimum = optimal_value(game, table)
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    ended: list[tuple[str, str]] = []

    regrets: list[float] = []  # the rounds played, kept if Ctrl-C ends the play
    total = [0.0]  # their sum
    with progress_bar(T, "round", verbose, desc=f"bayes-learn {learner}") as bar:

        def stop(t: int, regret: float) -> bool:
            regrets.append(float(regret))
            total[0] += regret
            bar.update(1)
            progress.beat(t, optimum - regret, f"cumulative regret {total[0]:.6g}")
            if callback is not None and callback({"round": t, "regret": float(regret)}):
                ended.append(
                    ("iteration_limit", f"stopped by the callback after {counted(t, 'round')}")
                )
            elif deadline is not None and t < T and time.perf_counter() > deadline:
                ended.append(("time_limit", f"time limit after {t} of {counted(T, 'round')}"))
            return bool(ended)

        try:
            cumulative = np.cumsum(simulate(game, agent, T, seed, table, stop))
        except KeyboardInterrupt:
            message = f"interrupted (Ctrl-C) after {len(regrets)} of {counted(T, 'round')}"
            if not regrets:
                progress.end("interrupted", None, 0)
                return Result(status="interrupted", message=message)
            ended.append(("interrupted", message))
            cumulative = np.cumsum(regrets)
    x, estimate = agent.recommend()
    status, message = ended[0] if ended else ("feasible", "")
    result = strategy_result(
        game,
        x,
        status=status,
        message=message,
        reported=estimate,
        history=checkpoints(cumulative),
        info={
            "learner": learner,
            "algorithm": LEARNERS[learner][1],
            "T": T,
            "rounds": len(cumulative),
            "seed": seed,
            "optimal_value": optimum,
            "cumulative_regret": float(cumulative[-1]),
        },
    )
    if learner == "type-product" and not game.independent:
        result.warnings.append("type-product assumes independent types; this game's are joint")
    progress.end(result.status, result.reported_objective, len(cumulative))
    return result
