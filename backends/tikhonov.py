"""``method="tikhonov-zo"``: the induced Stackelberg equilibrium by vanishing Tikhonov incentives.

When the followers' game has a continuum of equilibria, a strongly convex selection phi picks one:
the leader adds eps_k * phi to every follower's cost, so the regularized equilibrium y_eps(x) is
unique, and y_eps(x) -> argmin {phi(y) : y an equilibrium at x} as eps -> 0 (Tikhonov). The leader
sees only the equilibrium it induces and F(x) = f1(x, y_eps_k(x)); it probes x and x + delta u with
u uniform on the unit sphere of R^n and takes the two-point zeroth-order step

    g_k = (n / delta) (F(x_k + delta u_k) - F(x_k)) u_k,   x_{k+1} = P(x_k - eta_k g_k),
    eps_k = eps0 / k^p,

with P the projection onto the leader Vars' bounds. eps enters the clone of the game as one extra
top-level Var, which the KKT evaluator treats as a parameter beside the leader's decision, so the
warm-started ``kkt`` oracle solves every regularized game without recompiling.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyomo.environ as pyo

from stackopt.backends.dynamics.schedules import Schedule
from stackopt.backends.evaluation import honest_result
from stackopt.backends.oracles.kkt import KKTOracle
from stackopt.backends.start_points import current_value
from stackopt.errors import OptionError
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.result import Result
from stackopt.structure import analyze

EPS_NAME = "stackopt_tikhonov_eps"
PROBE_TOL = 1e-10  # probes are differenced over delta, so equilibria must be far tighter than delta

Selection = Callable[[StackelbergGame], Any]


class EquilibriumFailed(RuntimeError):
    """The regularized followers' game had no equilibrium the oracle could find."""


def regularized_clone(game: StackelbergGame, selection: Selection | None = None) -> StackelbergGame:
    """A clone whose followers minimize cost_i + eps * phi, with eps the top-level Var ``EPS_NAME``.

    ``selection(clone)`` returns phi as a Pyomo expression in the followers' Vars; the default is
    phi(y) = ||y||^2 / 2 over every follower Var.
    """
    clone = game.clone()
    structure = analyze(clone)
    phi = (
        selection(clone)
        if selection is not None
        else sum(v**2 for v in structure.follower_vars) / 2
    )
    clone.add_component(EPS_NAME, pyo.Var(initialize=0.0))
    eps = clone.component(EPS_NAME)
    for part in structure.followers:
        part.objective.deactivate()
        part.block.add_component(
            "stackopt_tikhonov_cost",
            pyo.Objective(expr=part.sign * part.objective.expr + eps * phi, sense=pyo.minimize),
        )
    return clone


def _check(step: float, radius: float, eps0: float, eps_decay: float, max_iter: int) -> None:
    for name, value in (("step", step), ("radius", radius), ("max_iter", max_iter)):
        if not value > 0:
            raise OptionError(f"{name} must be > 0, got {value}")
    if eps0 < 0:
        raise OptionError(f"eps0 must be >= 0, got {eps0}")
    if eps_decay < 0:
        raise OptionError(f"eps_decay must be >= 0 (eps_k = eps0 / k^eps_decay), got {eps_decay}")


def run(
    game: StackelbergGame,
    step: float = 0.5,
    schedule: str = "constant",
    radius: float = 1e-3,
    eps0: float = 1.0,
    eps_decay: float = 1.0,
    max_iter: int = 300,
    seed: int = 0,
    selection: Selection | None = None,
    start: dict[str, float] | None = None,
    record_every: int = 10,
) -> Result:
    """Zeroth-order leader against Tikhonov-regularized followers (module docstring); an honest Result.

    ``eps0 = 0`` turns the regularization off: the leader then differentiates whatever equilibrium
    the warm-started oracle returns. A zeroth-order method cannot certify stationarity, so the
    status is "feasible" after ``max_iter`` steps ("iteration_limit" if the decision violates the
    leader's constraints at its recomputed equilibrium).

    Parameters
    ----------
    step : float
        The leader's step size eta_0.
    schedule : str
        How the step decays: constant, 1/sqrt(k), 1/k^(2/3), 1/k or exponential.
    radius : float
        Probe radius delta of the two-point gradient estimate.
    eps0 : float
        Initial weight of the Tikhonov term; 0 turns it off.
    eps_decay : float
        Decay exponent p of the weight, eps_k = eps0 / k^p.
    max_iter : int
        Number of leader steps.
    seed : int
        Seed of the random probe directions.
    selection : callable or None
        ``selection(game)`` returns the selection function phi as a Pyomo expression in the
        followers' Vars; None is ||y||^2 / 2.
    start : dict or None
        The leader's starting decision (Var name -> value); None is the model's values.
    record_every : int
        Record a history row every this many steps.
    """
    _check(step, radius, eps0, eps_decay, max_iter)
    eta = Schedule(schedule, step)
    clone = regularized_clone(game, selection)
    ev = KKTEvaluator(clone)
    oracle = KKTOracle(clone, ev, PROBE_TOL)
    is_eps = np.array([n == EPS_NAME for n in ev.leader_names])
    leader = [v for v, e in zip(ev.leader_vars, is_eps) if not e]
    names = [n for n, e in zip(ev.leader_names, is_eps) if not e]
    unknown = sorted(set(start or {}) - set(names))
    if unknown:
        raise OptionError(f"start names {unknown}, not leader Vars; known: {names}")
    lb = np.array([-np.inf if v.lb is None else v.lb for v in leader])
    ub = np.array([np.inf if v.ub is None else v.ub for v in leader])
    x = np.array([(start or {}).get(n, current_value(v)) for n, v in zip(names, leader)])
    x = np.clip(x, lb, ub)
    z = np.zeros(ev.n_z)
    z[: ev.n_x] = [current_value(v) for v in ev.kkt.primal]
    rng = np.random.default_rng(seed)
    pi = np.zeros(len(is_eps))

    def induced(point: np.ndarray, eps: float, z0: np.ndarray) -> tuple[float, np.ndarray]:
        pi[~is_eps], pi[is_eps] = point, eps
        eq = oracle(pi, z0)
        if not eq.converged:
            raise EquilibriumFailed(f"no regularized equilibrium at eps={eps:.3g}: {eq.message}")
        return ev.evaluate(eq.z, pi, derivatives=False).leader_cost, eq.z

    history: list[dict[str, Any]] = []
    for k in range(1, max_iter + 1):
        eps = eps0 / k**eps_decay
        u = rng.standard_normal(len(x))
        u /= np.linalg.norm(u)
        value, z = induced(x, eps, z)
        probe, _ = induced(x + radius * u, eps, z)
        estimate = len(x) / radius * (probe - value) * u
        x = np.clip(x - eta(k) * estimate, lb, ub)
        if k % record_every == 0 or k == max_iter:
            history.append(
                {
                    "iteration": k,
                    "point": x.tolist(),
                    "eps": eps,
                    "leader_cost": value,
                    "estimate_norm": float(np.linalg.norm(estimate)),
                }
            )
    original = KKTEvaluator(game)
    values = dict(zip(ev.z_names, z)) | dict(zip(names, x))
    return honest_result(
        game,
        original,
        status="feasible",
        if_violated="iteration_limit",
        values=values,
        reported_objective=original.leader_sign * value,
        history=history,
        info={"iterations": max_iter, "final_eps": eps},
    )
