"""``method="tikhonov-zo"``: the induced Stackelberg equilibrium by vanishing Tikhonov incentives.

When the followers' game has a continuum of equilibria, a strongly convex selection phi picks one:
the leader adds eps_k * phi to every follower's cost, so the regularized equilibrium y_eps(x) is
unique, and y_eps(x) -> argmin {phi(y) : y an equilibrium at x} as eps -> 0 (Tikhonov). The leader
sees only the equilibrium it induces and F(x) = f1(x, y_eps_k(x)); it probes x +- delta u with u
uniform on the unit sphere of R^n and takes the symmetric two-point zeroth-order step

    g_k = (n / (2 delta)) (F(x_k + delta u_k) - F(x_k - delta u_k)) u_k,
    x_{k+1} = P(x_k - min(eta_k / n, 1 / (n c_k)) g_k),   eps_k = s eps0 / k^p,

with P the projection onto the leader's Var bounds and its own linear constraints (the projection
of ``method="gradient"``). Within delta of a bound a probe may leave the leader's set; where the
followers have no equilibrium there (0 <= y <= x at x = -delta) both probes are projected onto
the set and the step takes the secant between them, along their direction. The step is divided
by n, the factor by which the estimator's second moment exceeds the gradient's
(E ||g||^2 ~ n ||grad F||^2), so that the expected step is
(eta_k / n) grad F, and it is capped by the one-dimensional Newton step along u: with the second
difference c = (F(x + delta u) - 2 F(x) + F(x - delta u)) / delta^2 > 0, the move along u is at most
|dF/du| / c, so the leader never overshoots the minimum along its probe direction whatever the
curvature or the number of variables (eta_k / n is the cap's fallback where c <= 0). The run stops when
the mean estimate over the last ``window`` steps, projected and scaled like the dynamics' criterion
(max_k r_k |x - P(x - g_mean)|_k / max(1, |F|), r_k = max(1, |x_k|)), the spread of the iterates over
that window relative to their magnitude (max_k range_k / r_k) and the selection gap

    |F_eps_k(x_k) - F_0(x_k)| / max(1, |F_eps_k(x_k)|),   F_0 at the unregularized equilibrium
                                                          the oracle reaches from y_eps_k(x_k),

are all at most ``tol``; a run that does not (an oscillating or diverging leader) ends
"iteration_limit". The window alone would accept a point that is stationary for F_eps_k only: a
leader held at a bound by a large eps stops there although F_0 there is far worse. The gap is
measured only where the window's test passes (one more equilibrium solve), and is 0 for eps = 0 and
a callable oracle. Where it exceeds ``tol`` the leader has settled for eps_k but eps_k is still too
large, and eps continues on a smaller scale, eps_k = s eps0 / k^p with s multiplied by
GAP_MARGIN tol / gap (the gap is of first order in eps), the window emptied so that the leader
settles again at the new eps. The schedule eps0 / k^p alone, at p = 1, is still 1/300 after 300
steps: the duopoly's gap would then be 1.7e-3.

eps enters the clone of the game as one extra top-level Var, which the KKT evaluator treats as a
parameter beside the leader's decision, so the warm-started ``kkt`` oracle solves every regularized
game without recompiling. With a callable ``oracle`` (the follower-agnostic setting) the followers
are a black box that returns their decisions; its selection is its own (no eps, no phi).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np
import pyomo.environ as pyo

from stackopt.backends.dynamics.learning_loop import Loop
from stackopt.backends.dynamics.schedules import Schedule, ScheduleName
from stackopt.backends.evaluation import honest_result
from stackopt.backends.oracles.kkt import KKTOracle
from stackopt.backends.progress_log import StartLog, counted
from stackopt.backends.projection import LinearSetProjection
from stackopt.backends.start_points import current_value, start_value
from stackopt.errors import ModelError, OptionError
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.result import Result
from stackopt.structure import analyze, require_leader_vars

EPS_NAME = "stackopt_tikhonov_eps"
#: where the leader has settled but the selection gap exceeds tol, eps is scaled so that the gap,
#: of first order in eps, would be GAP_MARGIN tol; by EPS_CUT where F_0 had no equilibrium
GAP_MARGIN = 0.5
EPS_CUT = 0.1
PROBE_TOL = 1e-10  # probes are differenced over delta, so equilibria must be far tighter than delta
#: projected probes closer than SAME_POINT * delta coincide
SAME_POINT = 1e-9

Selection = Callable[[StackelbergGame], Any]
log = logging.getLogger("stackopt.tikhonov-zo")


class EquilibriumFailed(RuntimeError):
    """The regularized followers' game had no equilibrium the oracle could find."""


def regularized_clone(game: StackelbergGame, selection: Selection | None = None) -> StackelbergGame:
    """A clone whose followers minimize cost_i + eps * phi, with eps the top-level Var ``EPS_NAME``,
    each in its own sense (a maximizer maximizes f_i - eps * phi), in which its prices are read.

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
            pyo.Objective(
                expr=part.objective.expr + part.sign * eps * phi, sense=part.objective.sense
            ),
        )
    return clone


def _check(step: float, radius: float, eps0: float, eps_decay: float) -> None:
    for name, value in (("step", step), ("radius", radius)):
        if not value > 0:
            raise OptionError(f"{name} must be > 0, got {value}")
    if eps0 < 0:
        raise OptionError(f"eps0 must be >= 0, got {eps0}")
    if eps_decay < 0:
        raise OptionError(f"eps_decay must be >= 0 (eps_k = eps0 / k^eps_decay), got {eps_decay}")


def _leader_projection(game: StackelbergGame) -> LinearSetProjection:
    """The projection of ``method="gradient"`` onto the leader's bounds and own linear
    constraints; a leader constraint it cannot keep is refused by name."""
    structure = analyze(game)
    require_leader_vars(structure, "method='tikhonov-zo'")
    try:
        return LinearSetProjection(structure.leader_vars, structure.constraints)
    except ModelError as exc:
        raise ModelError(
            f"tikhonov-zo keeps the leader's constraints by projection, and {exc}; use "
            "method='gradient' or 'mpec'"
        ) from None


def _probe(
    induced: _Induced,
    project: LinearSetProjection,
    x: np.ndarray,
    u: np.ndarray,
    radius: float,
    eps: float,
    value: float,
) -> tuple[float, np.ndarray, float]:
    """(slope, direction, curvature) of F at x (where F is ``value``) from the probes
    x +- delta u: the central difference along u and the second difference (the module
    docstring). Where a probe outside the leader's set has no equilibrium (the followers' set is
    empty beyond a bound: 0 <= y <= x at x = -delta), the probes are projected onto the set, and
    the secant between them is taken along their direction, with no curvature (0); both
    projected onto one point give no information (slope 0). EquilibriumFailed where a probe in
    the set has none."""
    try:
        up, down = induced(x + radius * u, eps), induced(x - radius * u, eps)
        return (up - down) / (2 * radius), u, (up - 2 * value + down) / radius**2
    except EquilibriumFailed:
        above, below = project(x + radius * u), project(x - radius * u)
        if np.array_equal(above, x + radius * u) and np.array_equal(below, x - radius * u):
            raise
    up, down = induced(above, eps), induced(below, eps)
    d = above - below
    width = float(np.linalg.norm(d))
    if width <= SAME_POINT * radius:
        return 0.0, u, 0.0
    return (up - down) / width, d / width, 0.0


class _Induced:
    """F(x) = f1(x, y(x)) at the equilibrium the followers reach: the regularized one of the
    clone (``kkt``) or the black box's (a callable ``oracle``); keeps the last follower point."""

    def __init__(self, game: StackelbergGame, original: KKTEvaluator, oracle, selection):
        self.original = original
        if callable(oracle):
            if selection is not None:
                raise OptionError("selection applies to oracle='kkt'; a callable oracle selects")
            self.ev, self.user = original, oracle
        elif oracle == "kkt":
            clone = regularized_clone(game, selection)
            self.ev, self.user = KKTEvaluator(clone), None
            self.kkt = KKTOracle(clone, self.ev, PROBE_TOL)
        else:
            raise OptionError(f"oracle must be 'kkt' or a callable, got {oracle!r}")
        ev = self.ev
        self.is_eps = np.array([n == EPS_NAME for n in ev.leader_names])
        self.order = [ev.leader_names.index(n) for n in original.leader_names]
        self.z = np.zeros(ev.n_z)
        self.z[: ev.n_x] = [current_value(v) for v in ev.kkt.primal]
        self.pi = np.zeros(len(ev.leader_names))

    def __call__(self, x: np.ndarray, eps: float) -> float:
        ev = self.ev
        self.pi[self.order] = x
        self.pi[self.is_eps] = eps
        if self.user is not None:
            found = self.user(dict(zip(self.original.leader_names, map(float, x))))
            for i, name in enumerate(ev.z_names[: ev.n_x]):
                if name in found:
                    self.z[i] = found[name]
        else:
            eq = self.kkt(self.pi, self.z)
            if not eq.converged:
                raise EquilibriumFailed(
                    f"no regularized equilibrium at eps={eps:.3g}: {eq.message}"
                )
            self.z = eq.z
        return ev.evaluate(self.z, self.pi, derivatives=False).leader_cost

    def selection_gap(self, x: np.ndarray, eps: float, value: float) -> float:
        """|F_eps(x) - F_0(x)| / max(1, |F_eps(x)|), F_0 at the unregularized equilibrium that
        the oracle reaches from y_eps(x); inf where it finds none. The regularized follower point
        is kept, so the next step starts from it."""
        if self.user is not None or eps == 0:
            return 0.0  # a black box has no eps; eps = 0 is already the unregularized game
        z = self.z.copy()
        try:
            true = self(x, 0.0)
        except EquilibriumFailed:
            return np.inf
        finally:
            self.z = z
        return abs(value - true) / max(1.0, abs(value))

    def followers(self) -> dict[str, float]:
        return dict(zip(self.ev.z_names[: self.ev.n_x], self.z[: self.ev.n_x]))


def run(
    game: StackelbergGame,
    step: float = 0.5,
    schedule: ScheduleName | float = "constant",
    radius: float = 1e-3,
    eps0: float = 1.0,
    eps_decay: float = 1.0,
    oracle: str | Callable[[dict], dict] = "kkt",
    max_iter: int = 300,
    tol: float = 1e-3,
    window: int | None = None,
    time_limit: float | None = None,
    seed: int = 0,
    selection: Selection | None = None,
    start: dict[str, float] | None = None,
    record_every: int = 10,
    verbose: bool = False,
    callback: Callable[[dict[str, Any]], bool] | None = None,
) -> Result:
    """Zeroth-order leader against Tikhonov-regularized followers (module docstring); an honest Result.

    ``eps0 = 0`` turns the regularization off: the leader then differentiates whatever equilibrium
    the warm-started oracle returns. A zeroth-order method cannot certify stationarity: a run that
    meets its stopping test claims "feasible", one that does not ends "iteration_limit".

    Parameters
    ----------
    step : float
        The leader's step size eta_0 (divided by the number of leader variables).
    schedule : str or float
        How the step decays: a power p (eta_0 / k**p), constant, 1/sqrt(k), 1/k^(2/3), 1/k or
        exponential.
    radius : float
        Probe radius delta of the two-point gradient estimate.
    eps0 : float
        Initial weight of the Tikhonov term; 0 turns it off.
    eps_decay : float
        Decay exponent p of the weight, eps_k = eps0 / k^p.
    oracle : str or callable
        kkt (the regularized followers' KKT system, by semismooth Newton) or a callable
        ``oracle(leader: dict) -> dict`` returning the followers' decisions by Var name.
    max_iter : int
        Maximum number of leader steps.
    tol : float
        Stop when the windowed mean estimate (projected, scaled), the iterates' scaled spread over
        the window and the selection gap |F_eps(x) - F_0(x)| / max(1, |F_eps(x)|) are at most tol.
    window : int or None
        Steps averaged by the stopping test; None is max(10, 5 n).
    time_limit : float or None
        Wall-clock limit in seconds; status "time_limit".
    seed : int
        Seed of the random probe directions.
    selection : callable or None
        ``selection(game)`` returns the selection function phi as a Pyomo expression in the
        followers' Vars; None is ||y||^2 / 2.
    start : dict or None
        The leader's starting decision (Var name -> value); None is the model's values.
    record_every : int
        Record a history row every this many steps.
    verbose : bool
        Log the recorded rows (logger "stackopt.tikhonov-zo").
    callback : callable or None
        ``callback(row) -> bool`` after every step with the step's history row; True stops.
    """
    _check(step, radius, eps0, eps_decay)
    loop = Loop(max_iter, tol, record_every, time_limit, callback, verbose)
    eta = Schedule(schedule, step)
    original = KKTEvaluator(game)
    project = _leader_projection(game)
    induced = _Induced(game, original, oracle, selection)
    names = original.leader_names
    unknown = sorted(set(start or {}) - set(names))
    if unknown:
        raise OptionError(f"start names {unknown}, not leader Vars; known: {names}")
    n = len(names)
    window = max(10, 5 * n) if window is None else window
    if not (isinstance(window, int) and window > 0):
        raise OptionError(f"window must be a positive integer, got {window!r}")
    given = start or {}
    x = np.array(
        [
            start_value(nm, given[nm], v.lb, v.ub) if nm in given else current_value(v)
            for nm, v in zip(names, original.leader_vars)
        ]
    )
    x = project(x)
    rng = np.random.default_rng(seed)
    loop.start()
    progress = StartLog("tikhonov-zo", heartbeat=not verbose)  # verbose logs the steps
    sign = original.leader_sign
    history: list[dict[str, Any]] = []
    estimates: deque[np.ndarray] = deque(maxlen=window)
    points: deque[np.ndarray] = deque(maxlen=window)
    k, eps, value, status, why = 0, eps0, np.nan, "iteration_limit", ""
    stationarity = spread = np.inf
    gap = np.nan  # the last selection gap measured; inf where F_0 had no equilibrium
    scale = 1.0  # eps's continuation factor s (module docstring)
    reached = x  # the last decision whose step had every equilibrium it needed
    try:
        for k in range(1, max_iter + 1):
            eps = scale * eps0 / k**eps_decay
            u = rng.standard_normal(n)
            u /= np.linalg.norm(u)
            try:
                value = induced(x, eps)
                slope, u, curvature = _probe(induced, project, x, u, radius, eps, value)
            except EquilibriumFailed as exc:  # judged at the last decision that had them
                if k == 1:
                    raise
                status, why, x = "error", f"step {k}: {exc}", reached
                break
            reached = x
            estimate = n * slope * u
            estimates.append(estimate)
            points.append(x.copy())
            r = np.maximum(1.0, np.abs(x))
            if len(estimates) == window:
                mean = np.mean(estimates, axis=0)
                stationarity = float(np.max(r * np.abs(x - project(x - mean)))) / max(
                    1.0, abs(value)
                )
                spread = float(np.max(np.ptp(np.array(points), axis=0) / r))
            row = {
                "iteration": k,
                "point": x.tolist(),
                "eps": eps,
                "leader_cost": value,
                "estimate_norm": float(np.linalg.norm(estimate)),
                "stationarity": stationarity,
                "spread": spread,
                "selection_gap": np.nan,  # measured only where the window's test passes
            }
            if max(stationarity, spread) <= tol:
                gap = row["selection_gap"] = induced.selection_gap(x, eps, value)
                if gap <= tol:
                    history.append(row)
                    status = "feasible"
                    break
                # settled for this eps only: the gap, of first order in eps, asks for eps times
                # GAP_MARGIN tol / gap, and the window starts again at the new eps
                scale *= GAP_MARGIN * tol / gap if np.isfinite(gap) else EPS_CUT
                progress.debug(k, f"settled for eps {eps:.3g}, selection gap {gap:.2e}: eps cut")
                estimates.clear()
                points.clear()
                stationarity = spread = np.inf
            length = eta(k) if curvature <= 0 else min(eta(k), 1.0 / curvature)
            x = project(x - length * slope * u)
            progress.beat(k, sign * value)
            if k % record_every == 0 or k == max_iter:
                history.append(row)
                if verbose:
                    log.info("step %d: F %.6g, stationarity %.3g", k, value, stationarity)
            stopped = loop.stop(k, row)
            if stopped:
                status, why = stopped
                break
    except KeyboardInterrupt:  # Ctrl-C: the last finished step's point is judged
        status, why = loop.interrupted(k)
    if status == "iteration_limit" and not why:
        measured = (
            ""
            if np.isnan(gap)
            else ", no unregularized equilibrium for the selection gap"
            if np.isinf(gap)
            else f", last selection gap {gap:.2e}"
        )
        why = (
            f"not converged after {counted(k, 'step')}: windowed stationarity {stationarity:.2e}, spread "
            f"{spread:.2e}{measured} (tol {tol:g})"
        )
    value = induced(x, eps)  # the followers' point at the returned decision, not at a probe
    values = induced.followers() | dict(zip(names, x))
    result = honest_result(
        game,
        original,
        status=status,
        if_violated="iteration_limit",
        values=values,
        reported_objective=sign * value,
        message=why
        or f"converged after {counted(k, 'step')} (zeroth order: stationarity not certified)",
        history=history,
        info={
            "iterations": k,
            "final_eps": eps,
            "stationarity": stationarity,
            "spread": spread,
            "selection_gap": gap,
        },
    )
    progress.end(result.status, result.reported_objective, k)
    return result
