"""``method="gradient"``: equilibrium-flow gradient descent with an augmented Lagrangian.

Wang et al. (2022), Algorithm 1. At each step the oracle returns a follower equilibrium z*(pi), the
implicit function theorem gives the total gradient of the augmented Lagrangian (Eq. 5, adjoint mode,
:mod:`stackopt.backends.sensitivity`), and the leader takes a projected step:

    L_mu(pi, s, y) = c(pi) + sum_j y_j (G_j(pi) + s_j) + mu/2 sum_j (G_j(pi) + s_j)^2,   s >= 0,

where c = sign * leader objective, G_j <= 0 are the equilibrium-dependent leader constraints, the
slack s is minimized in closed form, s_j = max(0, -G_j - y_j/mu), which leaves
L_mu = c + (||max(0, y + mu G)||^2 - ||y||^2) / (2 mu) with the gradient
grad c + sum_j max(0, y_j + mu G_j) grad G_j; the multipliers are updated every K steps
(Algorithm 1; the line search updates them when it has minimized L_mu, below),
y <- max(0, y + mu G). Constraints on leader Vars alone are kept by projection
(:mod:`stackopt.backends.projection`). With a sampling oracle each step differentiates through
``samples`` sampled equilibria (Theorem 2) and records the gradient's sample variance. Along a
fixed-step path the ``kkt`` oracle stops once ||F||_inf <= tol instead of polishing each
equilibrium to 1e-10 (Newton's ``path_target``, :mod:`stackopt.backends.oracles.newton`; pass
``oracle_options={"path_target": None}`` to polish): the implicit gradient is then exact up to
O(tol). The line search compares L_mu at nearby decisions, which needs more than that: its
equilibria are polished.

**The step.** By default (``line_search=True``) a projected-gradient step with a backtracking
(Armijo) line search on L_mu at the recomputed equilibrium (Bertsekas 1999, Sec. 2.3.2):
pi+ = P(pi - t d) is accepted when L_mu(pi+) <= max_i L_mu(pi_i) + 1e-4 grad^T (pi+ - pi), the
maximum over this step and the last ``NONMONOTONE`` ones with the same multipliers (the
nonmonotone rule of Grippo, Lampariello and Lucidi 1986, which lets Barzilai-Borwein steps work)
but at most L_mu(pi) + |grad^T (pi+ - pi)| (no climb over a jump of L_mu, where a follower's
response switches: at MacMPEC ex9.2.8's x = 1/4 the run crossed it back and forth for 300 steps),
else t is halved. d is the gradient (``optimizer="sgd"``) or Adam's scaled direction (``"adam"``). The first
trial step is ``lr`` when given; otherwise the scale-free rule of :mod:`.leader_steps`: the first
trial moves the leader by a tenth of its range, t_0 = 0.1 D / ||d||_inf, D the widest finite box
width of a leader Var (max(1, ||pi||_inf) when none is finite). Later trials start from the
Barzilai-Borwein step s^T s / s^T y (twice the last accepted step when s^T y is at most rounding or with Adam's
direction), never longer than the box. The inner problem (L_mu for fixed y) is solved once the
scale-free projected gradient ||P(pi - t_0 d) - pi||_inf / (0.1 D) (t_0 the run's first trial
step: 1 at the start) is at most eps = max(tol, min(1e-2, 0.1 max_j G_j)) (no more accuracy than
the constraints are met to: an inexact augmented Lagrangian, Conn, Gould and Toint 1991), or once
no trial decreases L_mu:
the run stops, claiming "locally_optimal", when the augmented Lagrangian has converged,
|min(-G_j, y_j / mu)| <= tol for every row (an update would not move y), and otherwise updates the
multipliers at once and restarts the line search with the scale-free rule; mu grows tenfold (up
to ``MAX_PENALTY``) when that measure did not fall to a quarter since the last update (Nocedal and
Wright 2006, Algorithm 17.4). Algorithm 1 (``line_search=False``) keeps mu fixed. A decision rescaled by
s (or an objective by a constant) leaves the path the same up to that scale. ``line_search=False`` takes the fixed step of
the optimizer with learning rate ``lr``: ``lr=0.01, optimizer="adam", line_search=False`` is
Algorithm 1 exactly (the paper's setting, used by the reproduction study).

**Kinks.** Where a follower's active set changes at pi the value function has a kink and the
implicit gradient sees one side of it at most (at pi itself, where a follower constraint is weakly
active, it takes the element of the generalized Jacobian along (1, 1), which is neither side's:
:mod:`stackopt.backends.sensitivity`): no trial along it may decrease L_mu although the leader can
still descend (along the kink, or to the other side). Then the step is tried along the steepest descent
direction of the linearized MPEC (the certificate's stationarity LP,
:func:`stackopt.backends.certification.stationarity.descent_direction`), halved from a tenth of
the box; the run is stationary only when that fails too. Where the run zig-zags across a kink
(the projected step here points against the one of a gradient among the last ``NONMONOTONE``
steps), the step is along the least-norm element of the two gradients' convex hull
(:mod:`.kink_bundle`, gradient sampling with a bundle of two), with the monotone Armijo test; the
history row says ``"kink": True``. Its projected step is the stationarity measure when the two
points are within sqrt(eps) FIRST_MOVE D of each other (Clarke's eps-stationarity).

**Poll.** A first-order stationary point need not be a local minimum (MacMPEC dempe:
F(x) = (x - 3.5)^2 + (sqrt(x) + 4)^2 has F'(1) = 0 at an inflection, 31.25, and its minimum
28.25 at x = 0). Before the run stops as stationary it tries P(pi +- FIRST_MOVE D e_i), leader
Var by Var (a poll step of pattern search; Kolda, Lewis and Torczon 2003): the first trial whose
L_mu is below L_mu(pi) by ARMIJO ||P(...) - pi||^2 restarts the descent there (history row
``"poll": True``).

**The followers' domain.** If the oracle fails at the start, phase 1 (:mod:`.feasible_start`)
moves the leader to the nearest decision, within its own constraints, at which every follower is
feasible (Ipopt from the start, then from up to ``PHASE_ONE_STARTS`` random points of the box); the
history's first row says so (``{"phase": 1, ...}``). When the oracle fails at a new
decision, or the leader's derivatives are not finite there (AMPL's x^c at x = 0), the step is halved (at most ``MAX_HALVINGS`` times) until it finds an equilibrium. If
none does, the followers' feasibility is tested at the shortest trial step: where they are
infeasible the step crossed the boundary of their domain, and the run treats the decision as
stationary (the certificate judges the claim); where they are feasible the oracle failed, and the
run stops with "error", returning the last decision whose equilibrium was found.

**Starts.** ``start`` (leader Var name -> value) replaces the model's values; ``multistart=k`` runs
from the start, then from the leader decision of the high-point relaxation (min F over every
constraint, the followers' optimality dropped: :mod:`.high_point`) when it differs, then from
random decisions in the leader's box (drawn with ``seed``), k runs in all, and keeps the best
Result (a success first, then the leader's objective; each run's start is a candidate too:
"Never worse than the start", below). By default, with the line search, the start and the
relaxation's decision (a local method stops at the first local minimum; the relaxation's
decision starts it where the leader does well), then two random decisions when neither run ends in
a success (a flat implicit gradient, e.g. a follower at its bound, gives no direction back into
the leader's constraints: MacMPEC ex9.2.3 from x = 1) or when the relaxation's leader decision is
the start's (no other leader decision was tried: MacMPEC ex9.1.3, both runs at the local minimum
-16 from x = 0, random starts at the optimum -29.2); with fixed steps one run (Algorithm 1 as in
the paper); each later default run gets at most ``AUTO_START_TIME`` times the first run's CPU
time (at least a second; the solving thread's, so the machine's load does not move the cap or the
answer) and stops there, as at its last step (its message says so), so the default costs a few
single runs. ``time_limit`` covers all of them: each start gets the time left divided by the
starts left (the default's first run half of it), and a start that ends early leaves its time to
the rest; a proven optimum ends the starts. Each start logs its line on ``stackopt.gradient`` as it
ends, and a heartbeat during a long one (:mod:`.progress_log`).
``callback(state) -> bool`` is called after every step with the step's history row and the decision
it was taken from (``state["leader"]``, name -> value); True stops the run. Ctrl-C returns the best feasible decision so far
(else the last one with an equilibrium) with status "interrupted".

A run that takes all its steps ends "feasible" when the returned decision violates the leader's
constraints by at most 1e-3 at its recomputed equilibrium (:mod:`stackopt.backends.evaluation`),
else "iteration_limit". Algorithm 1 returns its last decision, which an augmented Lagrangian can
leave over a constraint (its multipliers are still moving). With ``returns="best-feasible"`` a run
that stops short of a stationary point (step or time limit, oracle failure) returns instead the
decision of the step with the best leader objective among those whose equilibrium violated the
constraints by at most 1e-3 (the last decision if no step did); the history is the same and the
message names the step. A stationary point is still returned as it is.

**Never worse than the start.** The run's values are the oracle's equilibria, which for a nonconvex
follower can be stationary responses that stop being the best ones (a double well: past x = 0 the
oracle stays in the well that is no longer the global minimum, and the honest evaluation of the end
point is far worse than the start). A line-search run that ends stationary or at its step limit
therefore returns its start (phase 1's decision when phase 1 moved it) instead of its end point when
the start's Result is a success (within the leader's constraints at its recomputed equilibrium,
certified: the same honest evaluation, :mod:`stackopt.backends.evaluation`) and the end point's is
none or has a worse leader objective (by more than ``START_MARGIN``, relative); its status is then
"feasible", its message says so and ``info["end_point"]`` holds the end point's status, objective,
decision and message. The start is certified only where its own equilibrium's objective beats the
end point's honest one (or that is no success) and meets the leader's constraints: one certification
more, where a descent went wrong. Algorithm 1's fixed steps return as in the paper.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pyomo.core.expr.visitor import identify_variables
from pyomo.repn import generate_standard_repn

from stackopt.backends.certification.stationarity import descent_direction
from stackopt.backends.cvxpy_path import run_cvxpy
from stackopt.backends.evaluation import FEASIBILITY_TOL, honest_result
from stackopt.backends.feasible_start import FollowerDomain
from stackopt.backends.high_point import high_point
from stackopt.backends.kink_bundle import across_kink
from stackopt.backends.leader_steps import (
    ARMIJO,
    FIRST_MOVE,
    MAX_HALVINGS,
    NONMONOTONE,
    box_width,
    first_trial,
    next_trial,
    sufficient_decrease,
)
from stackopt.backends.optimizers import make_optimizer
from stackopt.backends.oracles.base import Equilibrium
from stackopt.backends.oracles.multipliers import with_multipliers
from stackopt.backends.oracles.registry import make_oracle
from stackopt.backends.progress_log import StartLog, counted
from stackopt.backends.projection import LinearSetProjection
from stackopt.backends.sensitivity import Sensitivity
from stackopt.backends.start_points import current_value, interval, leader_start, random_value
from stackopt.errors import OptionError
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluation, KKTEvaluator
from stackopt.progress import progress_bar
from stackopt.result import Result
from stackopt.structure import analyze, require_leader_vars

#: the largest penalty weight the line search's augmented Lagrangian grows mu to
MAX_PENALTY = 1e8
#: random starts of phase 1 when Ipopt finds no feasible point from the leader's start
PHASE_ONE_STARTS = 3
#: a later start of the default multistart runs at most this many times the first run's CPU time
#: (of the solving thread: a cap that the machine's load does not move) ...
AUTO_START_TIME = 2.0
#: ... and at least this many CPU seconds
AUTO_START_MIN_TIME = 1.0
#: what a later start of the default that ran into that cap says
CAPPED = (
    f"stopped by the default's cap on a later start ({AUTO_START_TIME:g} times the first run's "
    f"CPU time, at least {AUTO_START_MIN_TIME:g} s); multistart=k runs k starts without it"
)
BOUNDARY = "the step leaves the followers' domain: along its boundary (phase 1)"
#: a run's start replaces its end point when better by more than this (relative) leader objective
START_MARGIN = 1e-9


class LeaderConstraints:
    """The leader's constraints split into projected ones and augmented-Lagrangian rows G <= 0."""

    def __init__(self, evaluator: KKTEvaluator):
        structure = evaluator.kkt.structure
        leader_ids = {id(v) for v in structure.leader_vars}
        projected, rows, signs = [], [], []
        for r, c in enumerate(structure.constraints):
            own = all(id(v) in leader_ids for v in identify_variables(c.body, include_fixed=False))
            if own and generate_standard_repn(c.body, quadratic=False).is_linear():
                projected.append(c)
                continue
            for bound, sign in ((evaluator.leader_ub[r], 1.0), (evaluator.leader_lb[r], -1.0)):
                if np.isfinite(bound):  # an equality gives both rows
                    rows.append(r)
                    signs.append(sign)
        self.project = LinearSetProjection(structure.leader_vars, projected)
        self.rows, self.signs = np.array(rows, int), np.array(signs)
        self.lb, self.ub = evaluator.leader_lb, evaluator.leader_ub
        self.bounds = np.where(self.signs > 0, self.ub[self.rows], self.lb[self.rows])
        self.names = [structure.constraints[r].name for r in rows]

    def values(self, ev: KKTEvaluation) -> np.ndarray:
        """G_j = sign_j (c_j - bound_j) at the evaluation (<= 0 is feasible)."""
        return self.signs * (ev.constraint_values[self.rows] - self.bounds)

    def penalized_gradients(
        self, ev: KKTEvaluation, weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The partial gradients of c + sum_j weights_j G_j w.r.t. z and pi."""
        # an equality has two rows
        per_row = np.bincount(self.rows, self.signs * weights, minlength=len(self.lb))
        return ev.leader_vjp(1.0, per_row)


def merit(cost: float, G: np.ndarray, y: np.ndarray, mu: float) -> float:
    """L_mu with the slack minimized: c + (||max(0, y + mu G)||^2 - ||y||^2) / (2 mu)."""
    shifted = np.maximum(0.0, y + mu * G)
    return float(cost + (shifted @ shifted - y @ y) / (2 * mu))


def run(
    game: StackelbergGame,
    oracle: str | Callable = "kkt",
    oracle_options: dict | None = None,
    max_iter: int = 5000,
    lr: float | None = None,
    optimizer: str = "sgd",
    line_search: bool = True,
    K: int = 100,
    mu: float = 10.0,
    samples: int = 1,
    seed: int = 0,
    tol: float = 1e-6,
    time_limit: float | None = None,
    verbose: bool = False,
    returns: str = "last",
    start: dict[str, Any] | None = None,
    multistart: int | None = None,
    callback: Callable[[dict[str, Any]], bool] | None = None,
) -> Result:
    """Equilibrium-flow gradient descent (Wang et al. 2022, Algorithm 1); an honest Result.

    The leader takes projected steps on the augmented Lagrangian of its problem, with the
    gradient through the followers' equilibrium by the implicit function theorem; by default an
    Armijo line search with a scale-free first step (module docstring).

    Parameters
    ----------
    oracle : str or callable
        How the followers' equilibrium is found: kkt (warm-started Newton with rescues), relaxation
        (damped best responses), dynamics (projected gradient play, a sampling oracle) or a callable.
    oracle_options : dict or None
        Options of the oracle (for kkt: ``path_target``, the residual at which an equilibrium on the
        leader's path is accepted).
    max_iter : int
        The most gradient steps per start.
    lr : float or None
        With ``line_search=False`` the fixed learning rate; with the line search its first trial
        step (None: the scale-free rule, the first trial moves the leader by a tenth of its box).
    optimizer : str
        sgd (the projected gradient) or adam (Adam's scaled direction).
    line_search : bool
        Armijo backtracking on the augmented Lagrangian (True) or fixed steps of ``lr`` (False;
        ``lr=0.01, optimizer="adam", line_search=False`` is the paper's Algorithm 1).
    K : int
        With fixed steps (Algorithm 1) the augmented Lagrangian's multipliers are updated every K
        steps; the line search updates them when the leader is stationary for the current ones.
    mu : float
        Penalty weight of the augmented Lagrangian.
    samples : int
        Equilibria sampled per step with a sampling oracle; the gradient is their mean.
    seed : int
        Seed of the sampling oracle and of the random multistart decisions.
    tol : float
        Equilibrium tolerance of the oracle; the run stops at a stationary point (an accepted step
        of at most tol * max(1, ||pi||_inf), or Algorithm 1's vanished projected step) whose
        constraint violation is at most tol.
    time_limit : float or None
        Wall-clock limit in seconds for the whole run (all starts); status "time_limit".
    verbose : bool
        Show a progress bar.
    returns : str
        "last" (Algorithm 1's last decision) or "best-feasible" (a run that stops short returns its
        best step within the leader's constraints). Either way a run with the line search returns
        its start where that is better at its recomputed equilibrium (module docstring).
    start : dict or None
        Leader Var name -> value (an indexed Var: name -> {index: value}) replacing the model's
        values as the start.
    multistart : int or None
        Runs from the start, then the high-point relaxation's decision, then random decisions in
        the leader's box (none where equal bounds fix every leader Var: each would be the start
        again), multistart runs in all; the best Result is kept (a success first, then the
        leader's objective). None: with the line search the start and the relaxation's
        decision, and 2 random ones more when neither run succeeds or the relaxation's leader
        decision is the start's; 1 with fixed steps.
    callback : callable or None
        ``callback(state) -> bool`` after every step, ``state`` the step's history row with
        ``state["leader"]`` the decision (name -> value); True stops the run.
    """
    if not line_search and lr is None:
        raise OptionError("line_search=False takes fixed steps: give their learning rate lr")
    if returns not in ("last", "best-feasible"):
        raise OptionError(f"returns must be 'last' or 'best-feasible', got {returns!r}")
    make_optimizer(optimizer, 1.0)  # checks the name
    structure = analyze(game)
    require_leader_vars(structure, "method='gradient'")
    if any(part.cvxpy is not None for part in structure.followers):
        progress = StartLog("gradient")
        result = run_cvxpy(
            structure,
            max_iter=max_iter,
            lr=lr,
            optimizer=optimizer,
            line_search=line_search,
            tol=tol,
            time_limit=time_limit,
            start=start,
            callback=callback,
            unsupported={
                "oracle": oracle != "kkt",
                "oracle_options": bool(oracle_options),
                "samples": samples != 1,
                "multistart": multistart not in (None, 1),
            },
        )
        progress.end(result.status, result.reported_objective, len(result.history))
        return result
    named_start = leader_start(structure.leader_vars, start)
    evaluator = KKTEvaluator(game)
    descent = _Descent(
        game, evaluator, oracle, oracle_options, max_iter, lr, optimizer, line_search, K, mu,
        samples, tol, verbose, returns, callback,
    )  # fmt: skip
    model_start = {
        v.name: current_value(v) for v in structure.leader_vars + structure.follower_vars
    } | named_start
    planned, extra = (
        (multistart, 0) if multistart is not None else (2, 2) if line_search else (1, 0)
    )
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    rng = np.random.default_rng(seed)
    results: list[Result] = []
    starts = _Starts(structure, evaluator, model_start, rng, deadline)
    i, first = 0, 0.0  # the first run's CPU time bounds the default's later runs
    interrupted = False
    while i < planned:
        # each start's share of the time left; a start that ends early leaves it to the rest
        now = time.perf_counter()
        share = None if deadline is None else now + (deadline - now) / (planned - i)
        try:
            values = starts.next(i)
            if values is None:
                break  # a random start would be the first one again
            if i > 0 and deadline is not None and time.perf_counter() >= deadline:
                break  # the relaxation's point came too late for a run from it
            cap = None  # the default's later runs capped by the first, in CPU time
            if multistart is None and i > 0:
                cap = time.thread_time() + max(AUTO_START_TIME * first, AUTO_START_MIN_TIME)
            run_rng = np.random.default_rng(seed if i == 0 else [seed, i])
            cpu = time.thread_time()
            progress = StartLog("gradient", i + 1, planned, starts.kinds[-1])
            result = descent.run(values, run_rng, share, progress, later=i > 0, cpu_deadline=cap)
        except KeyboardInterrupt:  # before a later start's first step: the finished runs count
            if not results:
                raise
            interrupted = True
            break
        if result is None:  # the time limit passed before a later start's first equilibrium
            progress.end("time_limit", None, 0)
            break
        progress.end(
            result.status, result.reported_objective, sum("step" in r for r in result.history)
        )
        results.append(result)
        if i == 0:
            first = time.thread_time() - cpu
        i += 1
        interrupted = result.status == "interrupted"
        if interrupted or result.status == "optimal":
            break
        if deadline is not None and time.perf_counter() >= deadline:
            break
        if i == planned and (not any(r.success for r in results) or not starts.explored):
            planned, extra = planned + extra, 0  # the default's random starts
    chosen = _best_start(results, starts.kinds, evaluator.leader_sign)
    if interrupted and chosen.status != "interrupted":
        chosen.status = "interrupted"
        chosen.message += "; interrupted (Ctrl-C) during a later start"
    return chosen


def _best_start(results: list[Result], kinds: list[str], sign: float) -> Result:
    """The best of the starts' Results (a success first, then the leader's objective, ``sign``
    +1 when it minimizes); with several, its info and message say which of them it is."""
    if len(results) == 1:
        return results[0]
    chosen = min(
        results,
        key=lambda r: (
            not r.success,
            np.inf if r.leader_objective is None else sign * r.leader_objective,
        ),
    )
    index = results.index(chosen)
    chosen.info["starts"] = [
        {
            "start": i,
            "kind": kinds[i],
            "status": r.status,
            "objective": r.leader_objective,
            "message": r.message,
        }
        for i, r in enumerate(results)
    ]
    # numbered from 1, as the starts' log lines are
    chosen.message += f"; the best of {len(results)} starts (start {index + 1}: {kinds[index]})"
    return chosen


class _Starts:
    """The starts of a multistart run: the model's (or ``start=``), the high-point relaxation's
    point (:mod:`.high_point`) when it differs, then random leader decisions in the box."""

    def __init__(self, structure, evaluator: KKTEvaluator, model_start: dict, rng, deadline):
        self.structure, self.evaluator, self.model_start = structure, evaluator, model_start
        self.rng, self.deadline = rng, deadline
        self.kinds: list[str] = []
        #: whether a start so far had another leader decision than the first
        self.explored = False

    def next(self, i: int) -> dict[str, float] | None:
        """Start ``i``'s values by name; None where it would be random and the leader's bounds
        leave no room (each leader Var fixed by equal bounds): every random start is then the
        first one again."""
        values = dict(self.model_start)
        if i == 0:
            self.kinds.append("the start")
            return values
        if i == 1:
            left = None if self.deadline is None else max(self.deadline - time.perf_counter(), 1e-3)
            relaxed = high_point(self.structure, left)
            # the followers' values too: they are the oracle's first guess, which picks among
            # tied responses (MacMPEC ex9.2.9 at x = 2)
            if relaxed and any(
                abs(value - values[n]) > 1e-6 * max(1.0, abs(values[n]))
                for n, value in relaxed.items()
            ):
                leader = [v.name for v in self.evaluator.leader_vars]
                self.explored = any(
                    abs(relaxed[n] - values[n]) > 1e-6 * max(1.0, abs(values[n])) for n in leader
                )
                self.kinds.append("the high-point relaxation")
                return values | relaxed
        if all(lb == ub for lb, ub in map(interval, self.evaluator.leader_vars)):
            return None
        self.kinds.append("random")
        self.explored = True
        return values | {v.name: random_value(v, self.rng) for v in self.evaluator.leader_vars}


@dataclass
class _Point:
    """A leader decision with its equilibrium and the evaluation there."""

    pi: np.ndarray
    eq: Equilibrium
    ev: KKTEvaluation


@dataclass
class _Trial:
    """What the step found: the accepted point (or None), and why not when it is None."""

    point: _Point | None
    halvings: int = 0
    size: float = 0.0
    boundary: bool = False  # the step left the followers' domain (point: on its boundary)
    stationary: bool = False  # no trial decreased L_mu, or the leader is stationary already
    message: str = ""


@dataclass
class _Descent:
    """One run of the method from one start; the options are :func:`run`'s."""

    game: StackelbergGame
    evaluator: KKTEvaluator
    oracle: str | Callable
    oracle_options: dict | None
    max_iter: int
    lr: float | None
    optimizer: str
    line_search: bool
    K: int
    mu: float
    samples: int
    tol: float
    verbose: bool
    returns: str
    callback: Callable | None
    warnings: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.cons = LeaderConstraints(self.evaluator)
        options = self.oracle_options
        if self.oracle == "kkt":  # along a fixed-step path, equilibria to tol (overridable)
            target = None if self.line_search else self.tol
            options = {"path_target": target} | (options or {})
        self.orc = make_oracle(self.oracle, self.game, self.evaluator, self.tol, options)
        self._domain: FollowerDomain | None = None
        self.penalty = self.mu  # the augmented Lagrangian's current mu (grows with a line search)
        self.bounded = False  # whether the run has met the boundary of the followers' domain

    @property
    def domain(self) -> FollowerDomain:
        if self._domain is None:
            self._domain = FollowerDomain(analyze(self.game))
        return self._domain

    def _point(self, pi: np.ndarray, eq: Equilibrium) -> _Point:
        ev = eq.evaluation if eq.evaluation is not None else self.evaluator.evaluate(eq.z, pi)
        return _Point(pi, eq, ev)

    def _start(self, values: dict[str, float], rng, history: list) -> tuple[_Point | None, str]:
        """The first point: the start, or phase 1's decision when the oracle fails there; none
        where the leader's functions cannot be evaluated (log x at x = 0)."""
        point, note = self._first(values, rng, history)
        if point is not None and not point.ev.leader_differentiable:
            return None, (
                "the leader's functions or their derivatives cannot be evaluated at the start "
                "(a log, square root, power or division at the edge of its domain)"
            )
        return point, note

    def _first(self, values: dict[str, float], rng, history: list) -> tuple[_Point | None, str]:
        """:meth:`_start` before the leader's functions are tried."""
        z, pi = self.evaluator.values_of(values)
        pi = self.cons.project(pi)
        eq = self.orc(pi, z, rng)
        if eq.converged:
            return self._point(pi, eq), ""
        if self.orc.late():  # out of time, which says nothing of the followers' domain
            return None, f"the {eq.oracle} oracle failed at the start ({eq.message})"
        t0 = time.perf_counter()
        phase = self.domain.nearest(pi, z[: self.evaluator.n_x])
        ev = self.evaluator
        for _ in range(PHASE_ONE_STARTS if not phase.found else 0):  # Ipopt's answer is local
            guess = [random_value(v, rng) for v in ev.leader_vars + ev.kkt.structure.follower_vars]
            phase = self.domain.nearest(
                pi, np.array(guess[ev.n_pi :]), start=np.array(guess[: ev.n_pi])
            )
            if phase.found:
                break
        moved = float(np.abs(phase.pi - pi).max(initial=0.0))
        history.append(
            {
                "phase": 1,
                "found": phase.found,
                "moved": moved,
                "leader": phase.pi.tolist(),
                "message": phase.message,
                "step_time": time.perf_counter() - t0,
            }
        )
        why = f"the {eq.oracle} oracle failed at the start ({eq.message})"
        if not phase.found:
            return None, f"{why}; phase 1 found no leader decision where the followers are " + (
                f"feasible ({phase.message})"
            )
        pi = self.cons.project(phase.pi)
        z = with_multipliers(self.evaluator, phase.x, pi, self.tol)
        eq = self.orc(pi, z, rng)
        note = f"{why}; phase 1 moved the leader by {moved:.3g} to where the followers are feasible"
        if not eq.converged:
            return None, f"{note}, and the oracle failed there too ({eq.message})"
        return self._point(pi, eq), note

    def _gradient(self, at: _Point, y: np.ndarray, rng) -> tuple[Any, ...] | None:
        """(mean gradient, the samples' gradients, the last point, max residual), or None when
        a later sample's oracle fails."""
        grads, residual, point = [], 0.0, at
        for s in range(self.samples):
            if s > 0:
                eq = self.orc(at.pi, point.eq.z, rng)
                if not eq.converged:
                    return None
                point = self._point(at.pi, eq)
            residual = max(residual, point.eq.residual)
            sens = Sensitivity(point.ev)
            self.warnings.update(sens.warnings)
            weights = np.maximum(0.0, y + self.penalty * self.cons.values(point.ev))
            grads.append(sens.adjoint(*self.cons.penalized_gradients(point.ev, weights)))
        grad = grads[0] if self.samples == 1 else np.mean(grads, axis=0)
        return grad, grads, point, residual

    def _fixed(self, at: _Point, grad: np.ndarray, opt, rng) -> _Trial:
        """Algorithm 1's step, halved while the oracle fails at the new decision."""
        new_pi = self.cons.project(at.pi - opt.step(grad))

        def halved(h: int) -> np.ndarray:
            return new_pi if h == 0 else at.pi + (new_pi - at.pi) / 2**h

        return self._backtrack(at, halved, lambda point: True, rng)

    def _armijo(
        self, at: _Point, grad: np.ndarray, direction: np.ndarray, t: float, y, recent, rng
    ) -> _Trial:
        """The Armijo step along the projection arc P(at.pi - t 2^-h direction), against the
        largest L_mu of the ``recent`` steps and this one (nonmonotone, Grippo et al. 1986)."""
        here = merit(at.ev.leader_cost, self.cons.values(at.ev), y, self.penalty)
        base = max([here, *recent])
        recent.append(here)

        def decreases(point: _Point) -> bool:
            value = merit(point.ev.leader_cost, self.cons.values(point.ev), y, self.penalty)
            moved = point.pi - at.pi
            # a climb of at most the first-order change: a jump of L_mu (a follower's response
            # switching) is no overshoot of a Barzilai-Borwein step
            climb = min(base, here + abs(float(grad @ moved)))
            return sufficient_decrease(climb, value, grad, moved)

        trial = self._backtrack(
            at, lambda h: self.cons.project(at.pi - t / 2**h * direction), decreases, rng
        )
        trial.size = t / 2**trial.halvings
        if trial.point is None and trial.stationary:
            return self._other_side(at, y, here, rng) or trial
        return trial

    def _other_side(self, at: _Point, y: np.ndarray, here: float, rng) -> _Trial | None:
        """Where no trial along the gradient decreases L_mu the gradient may see one side: a
        follower's active set changes at pi (a kink of the value function). The linearized MPEC's
        steepest descent direction (:func:`.descent_direction`) sees both sides; a step along it,
        halved from a tenth of the box, is accepted where L_mu decreases. None if it finds none."""
        d = descent_direction(self.evaluator, at.eq.z, at.pi)
        if d is None or not np.abs(d).max(initial=0.0) > 0:
            return None
        lb, ub = self.cons.project.lb, self.cons.project.ub
        t = FIRST_MOVE * box_width(lb, ub, at.pi) / float(np.abs(d).max())

        def decreases(point: _Point) -> bool:
            value = merit(point.ev.leader_cost, self.cons.values(point.ev), y, self.penalty)
            return value < here - 1e-12 * max(1.0, abs(here))

        trial = self._backtrack(
            at, lambda h: self.cons.project(at.pi + t / 2**h * d), decreases, rng
        )
        trial.size = t / 2**trial.halvings
        return trial if trial.point is not None else None

    def _backtrack(self, at: _Point, trial_at: Callable, accept: Callable, rng) -> _Trial:
        """Trials h = 0, 1, ... MAX_HALVINGS until one has an equilibrium that ``accept``s.

        When a trial's oracle fails where the followers are infeasible (phase 1 moves it), the
        step has left their domain: its nearest decision in the domain (phase 1) is tried next, a
        step along the boundary. From then on (for the rest of the run) trials are tested for the
        domain before the oracle runs: phase 1 costs less than the oracle's failing rescues.
        No trial begins once the oracle's deadline has passed: the time limit stopped the search,
        which then proves nothing of stationarity.
        """
        small = 1e-15 * max(1.0, float(np.abs(at.pi).max(initial=0.0)))
        x = at.eq.z[: self.evaluator.n_x]
        last, along_tried, failure = "", False, ""  # why the last trial was not accepted
        for h in range(MAX_HALVINGS + 1):
            if self.orc.late():  # an oracle that converges at once would not see the deadline
                made = f"{h} trial step" + ("s" if h != 1 else "")
                return _Trial(None, h, message=f"the time limit stopped the line search ({made})")
            pi = trial_at(h)
            if h > 0 and np.abs(pi - at.pi).max(initial=0.0) <= small:
                break  # the step vanished
            if not (self.bounded and not self.domain.contains(pi, x)):
                eq = self.orc(pi, at.eq.z, rng)
                if eq.converged:
                    point = self._point(pi, eq)
                    if not point.ev.leader_differentiable:
                        last = "derivatives"
                        continue
                    if accept(point):
                        return _Trial(point, h)
                    last = "no decrease"
                    continue
                last = "oracle"
                failure = f"the {eq.oracle} oracle failed along the step: {eq.message}"
                if self.orc.late():  # the time limit, not the followers' domain
                    return _Trial(None, h, message=failure)
                if self.domain.contains(pi, x):
                    continue
            last, self.bounded = "outside", True
            if not along_tried:
                along_tried = True
                along = self._boundary_step(pi, x, accept, rng)
                if along is not None:
                    return _Trial(along, h, boundary=True, message=BOUNDARY)
        if last == "outside":
            return _Trial(None, h, boundary=True, message=BOUNDARY)
        if last == "oracle":
            return _Trial(None, h, message=failure)
        if last == "derivatives":
            return _Trial(None, h, message="the leader's derivatives are not finite along the step")
        return _Trial(None, h, stationary=True, message="no trial step decreased L_mu")

    def _boundary_step(self, pi: np.ndarray, x: np.ndarray, accept: Callable, rng) -> _Point | None:
        """The decision in the followers' domain nearest to ``pi`` when it is accepted, else None."""
        near = self.domain.nearest(pi, x)
        if not near.found:
            return None
        pi = self.cons.project(near.pi)
        eq = self.orc(pi, with_multipliers(self.evaluator, near.x, pi, self.tol), rng)
        if not eq.converged:
            return None
        point = self._point(pi, eq)
        return point if point.ev.leader_differentiable and accept(point) else None

    def run(
        self,
        values: dict[str, float],
        rng,
        deadline: float | None,
        progress: StartLog,
        later: bool = False,
        cpu_deadline: float | None = None,
    ) -> Result | None:
        """One run from ``values`` (Var name -> value); its certified Result. Its heartbeat goes
        to ``progress``. The oracle stops at ``deadline`` (wall clock) and ``cpu_deadline`` (the
        thread's CPU time: the default's cap on a later start) too, and a failure once one has
        passed is the time limit, or the cap ("iteration_limit"); a ``later`` start of a
        multistart that a deadline stops before its first equilibrium returns None."""
        history: list[dict[str, Any]] = []
        evaluator, cons = self.evaluator, self.cons
        opt = make_optimizer(self.optimizer, 1.0 if self.line_search else self.lr)
        y = np.zeros(len(cons.rows))
        self.orc.deadline, self.orc.cpu_deadline = deadline, cpu_deadline

        def failed() -> str:
            if self.orc.capped():
                return "iteration_limit"
            return "time_limit" if self.orc.late() else "error"

        began = time.perf_counter()
        at, note = self._start(values, rng, history)
        found = "no equilibrium" if at is None else "the first equilibrium"
        progress.debug(0, f"{found} in {time.perf_counter() - began:.2f} s{note and ': ' + note}")
        if at is None and later and self.orc.late():
            return None
        if at is None:
            pi = cons.project(evaluator.values_of(values)[1])
            return self._result(failed(), pi, note, history)
        first = at
        best: tuple[float, int, _Point] | None = None  # (cost, step, point): feasible steps
        status, message = "iteration_limit", f"ran {counted(self.max_iter, 'step')}"
        t, previous = None, None  # the line search's trial step; (pi, grad) of the last step
        recent: deque[float] = deque(maxlen=NONMONOTONE)  # L_mu at the last steps
        sampled: deque = deque(maxlen=NONMONOTONE)  # (pi, grad) at the last steps: the bundle
        self.penalty, last_gap = self.mu, None  # mu grows when y's updates do not settle
        self.bounded = False
        reference = None
        bar = progress_bar(self.max_iter, "step", self.verbose, desc="gradient")
        try:
            for k in range(self.max_iter):
                t0, kink = time.perf_counter(), None
                out = self._gradient(at, y, rng)
                if out is None:
                    status = failed()
                    message = f"the {self.oracle} oracle failed on a sample at step {k}"
                    break
                grad, grads, last, residual = out
                G = cons.values(last.ev)
                violation = float(G.max(initial=0.0))
                cost = last.ev.leader_cost
                if violation <= FEASIBILITY_TOL and (best is None or cost < best[0]):
                    best = (cost, k, last)
                # the inner problem needs no more accuracy than the constraints are met to
                # (an inexact augmented Lagrangian; Conn, Gould and Toint 1991)
                accuracy = max(self.tol, min(1e-2, 0.1 * violation))
                if self.line_search:
                    direction = opt.step(grad)
                    if self.optimizer != "sgd" and grad @ direction <= 0:
                        direction = grad  # Adam's direction is no descent direction here
                    lb, ub = cons.project.lb, cons.project.ub
                    if reference is None:  # (tau_0, FIRST_MOVE D) of the stationarity measure
                        reference = (
                            first_trial(lb, ub, at.pi, direction, self.lr),
                            FIRST_MOVE * box_width(lb, ub, at.pi),
                        )
                    measure = self._measure(at.pi, direction, reference)
                    kink = self.optimizer == "sgd" and across_kink(
                        cons.project, at.pi, grad, sampled, reference[0]
                    )
                    sampled.append((at.pi, grad))
                    if kink:  # the projected steps zig-zag: along the kink
                        direction = kink[0]
                        apart = float(np.abs(at.pi - kink[1]).max()) / reference[1]
                        if apart <= np.sqrt(accuracy):  # Clarke's, within a small distance
                            measure = self._measure(at.pi, direction, reference)
                    t = (
                        first_trial(lb, ub, at.pi, direction, self.lr)
                        if t is None
                        else next_trial(
                            t,
                            previous,
                            at.pi,
                            grad,
                            direction,
                            box_width(lb, ub, at.pi),
                            self.optimizer == "sgd" and not kink,
                        )
                    )
                    if measure <= accuracy:  # stationary for these multipliers: no step
                        trial = _Trial(None, 0, t, stationary=True)
                    else:
                        if kink:  # monotone along the kink (the nonmonotone rule is BB's)
                            recent.clear()
                        trial = self._armijo(at, grad, direction, t, y, recent, rng)
                        t = trial.size if trial.point is not None else t
                else:
                    trial = self._fixed(at, grad, opt, rng)
                before = at.pi
                updated = not self.line_search and (k + 1) % self.K == 0
                inner_done = trial.point is None and (trial.stationary or trial.boundary)
                if trial.point is not None:
                    moved = float(np.abs(trial.point.pi - at.pi).max(initial=0.0))
                    previous = (at.pi, grad)
                    at = trial.point
                    scale = max(1.0, float(np.abs(at.pi).max(initial=0.0)))
                    inner_done = trial.boundary and moved <= accuracy * scale
                    if trial.boundary:  # no nonmonotone climb away from the domain's boundary
                        recent.clear()
                else:
                    moved = 0.0
                # the augmented Lagrangian has converged when an update would not move y:
                # |min(-G, y / mu)| <= tol
                mu = self.penalty
                gap = float(np.abs(np.minimum(-G, y / mu)).max(initial=0.0))
                settled = gap <= self.tol
                if updated or (inner_done and not settled):
                    if not updated and last_gap is not None and gap > 0.25 * last_gap:
                        self.penalty = min(MAX_PENALTY, 10.0 * mu)
                    last_gap = gap
                    y = np.maximum(0.0, y + mu * G)
                    progress.debug(k, f"multipliers updated (gap {gap:.2e}, mu {self.penalty:g})")
                    previous = None  # the gradient changed with y
                    sampled.clear()
                    t = None  # and so did the problem: the line search starts afresh
                    recent.clear()
                row = {
                    "step": k,
                    "objective": evaluator.leader_sign * cost,
                    "violation": violation,
                    "multipliers": y.tolist(),
                    "residual": residual,
                    "grad_norm": float(np.sqrt(grad @ grad)),
                    "grad_variance": float(np.var(grads, axis=0, ddof=1).sum())
                    if self.samples > 1
                    else 0.0,
                    "halvings": trial.halvings,
                    "step_time": time.perf_counter() - t0,
                }
                if self.line_search:
                    row["step_size"], row["mu"], row["kink"] = trial.size, mu, bool(kink)
                history.append(row)
                bar.update(1)
                progress.beat(k, row["objective"])
                # no step, or none found before the deadline (which proves no stationarity)
                if trial.point is None and (not inner_done or self.orc.late()):
                    status = failed()
                    why = trial.message or "the time limit passed"  # stationary, but late
                    message = f"no step from the decision of step {k}: {why}"
                    break
                if inner_done and settled and self.line_search and reference is not None:
                    polled = self._poll(at, y, reference[1], rng)
                    if polled is not None:  # no local minimum: the descent goes on from there
                        row["poll"] = True
                        progress.debug(k, "stationary, but the poll found a lower L_mu")
                        at, t, previous = polled, None, None
                        recent.clear()
                        sampled.clear()
                        inner_done = False
                if inner_done and settled:
                    status = "locally_optimal"
                    message = f"stationary after {counted(k + 1, 'step')}" + (
                        f" ({trial.message})" if trial.message else ""
                    )
                    break
                if not self.line_search and self._paper_stationary(at.pi, moved, violation, grad):
                    status, message = (
                        "locally_optimal",
                        f"stationary after {counted(k + 1, 'step')}",
                    )
                    break
                if self.callback is not None and self.callback(
                    dict(row, leader=dict(zip(evaluator.leader_names, before.tolist())))
                ):
                    status = "iteration_limit"
                    message = f"stopped by the callback after {counted(k + 1, 'step')}"
                    break
                if self.orc.late():
                    status, message = failed(), f"time limit after {counted(k + 1, 'step')}"
                    break
        except KeyboardInterrupt:
            status, message = (
                "interrupted",
                f"interrupted (Ctrl-C) after {counted(len(history), 'step')}",
            )
        finally:
            bar.close()
        returned = at
        wants_best = status == "interrupted" or (
            self.returns == "best-feasible" and status != "locally_optimal"
        )
        if wants_best and best is not None and best[2].pi is not at.pi:
            returned = best[2]
            message += f"; returned the best feasible decision, of step {best[1]}"
        elif status == "error":
            message += "; returned the last decision with an equilibrium"
        if status == "iteration_limit" and self.orc.capped():
            message = f"{CAPPED} (after {counted(len(history), 'step')})"
        if note:
            message = f"{note}; {message}"
        result = self._result(status, returned, message, history)
        stopped = status in ("locally_optimal", "iteration_limit")
        if self.line_search and stopped and returned is not first:
            return self._no_worse_than(first, result, history)
        return result

    def _no_worse_than(self, start: _Point, end: Result, history: list) -> Result:
        """``end``, the certified Result at the run's end point, or the start's where that one is
        a success with a better leader objective than ``end`` or ``end`` is none (module
        docstring, "Never worse than the start"). The start is certified only where its own equilibrium's objective
        is below ``end``'s (or ``end`` failed) and meets the leader's constraints there."""
        sign = self.evaluator.leader_sign
        target = np.inf  # the objective to beat, in minimization form
        if end.success and end.leader_objective is not None:
            target = sign * end.leader_objective - START_MARGIN * max(
                1.0, abs(end.leader_objective)
            )
        believed = start.ev.leader_cost
        if believed >= target or self.cons.values(start.ev).max(initial=0.0) > FEASIBILITY_TOL:
            return end
        kept = self._result("feasible", start, "", history)
        if kept.status == "interrupted":  # Ctrl-C while certifying the start: the end stands
            end.status = "interrupted"
            end.message += "; interrupted (Ctrl-C) while the run's start was certified"
            return end
        if (
            not kept.success
            or kept.leader_objective is None
            or sign * kept.leader_objective >= target
        ):
            return end
        shown = "none" if end.leader_objective is None else f"{end.leader_objective:.8g}"
        why = (
            f"returned the run's start: its leader objective {kept.leader_objective:.8g} beats "
            f"the end point's, {shown} (status {end.status}), each at its recomputed equilibrium "
            f"(the run: {end.message})"
        )
        kept.message = f"{why}; {kept.message}" if kept.message else why
        kept.info["end_point"] = {
            "status": end.status,
            "objective": end.leader_objective,
            "leader": end.leader,
            "message": end.message,
        }
        return kept

    def _poll(self, at: _Point, y: np.ndarray, delta: float, rng) -> _Point | None:
        """The first trial P(pi +- delta e_i), leader Var by Var, whose L_mu is below L_mu(pi) by
        ARMIJO ||trial - pi||^2 (a poll step of pattern search); None when none is."""
        here = merit(at.ev.leader_cost, self.cons.values(at.ev), y, self.penalty)
        x = at.eq.z[: self.evaluator.n_x]
        for i in range(len(at.pi)):
            for sign in (1.0, -1.0):
                pi = at.pi.copy()
                pi[i] += sign * delta
                pi = self.cons.project(pi)
                moved = pi - at.pi
                if not np.abs(moved).max() > 0 or (
                    self.bounded and not self.domain.contains(pi, x)
                ):
                    continue
                eq = self.orc(pi, at.eq.z, rng)
                if not eq.converged:
                    continue
                point = self._point(pi, eq)
                if not point.ev.leader_differentiable:  # log x at x = 0: no value to compare
                    continue
                value = merit(point.ev.leader_cost, self.cons.values(point.ev), y, self.penalty)
                if value < here - ARMIJO * (moved @ moved):
                    return point
        return None

    def _measure(self, pi: np.ndarray, direction: np.ndarray, reference: tuple) -> float:
        """The scale-free projected step ||P(pi - tau_0 d) - pi||_inf / (FIRST_MOVE D)."""
        projected = self.cons.project(pi - reference[0] * direction) - pi
        return float(np.abs(projected).max(initial=0.0)) / reference[1]

    def _paper_stationary(self, pi, moved, violation, grad) -> bool:
        """Algorithm 1's stop: the step vanished at a point within the constraints; a momentum
        pushing into a bound does not count."""
        small = 1e-12 * max(1.0, float(np.abs(pi).max(initial=0.0)))
        return (
            moved <= small
            and violation <= self.tol
            and np.abs(pi - self.cons.project(pi - grad)).max(initial=0.0) <= small
        )

    def _result(
        self, status: str, point: _Point | np.ndarray, message: str, history: list
    ) -> Result:
        """The certified Result at ``point``, or at a leader decision pi without an equilibrium."""
        ev = self.evaluator
        reported = None
        if isinstance(point, _Point):
            values = dict(zip(ev.leader_names, point.pi)) | dict(zip(ev.z_names, point.eq.z))
            reported = ev.leader_sign * point.ev.leader_cost
        else:
            values = dict(zip(ev.leader_names, point))
        ran_out = status == "iteration_limit"
        return honest_result(
            self.game,
            ev,
            status="feasible" if ran_out else status,
            if_violated="iteration_limit" if ran_out else "infeasible",
            values=values,
            reported_objective=reported,
            message=message,
            history=history,
            info={"oracle": getattr(self.orc, "name", "callable"), "constraints": self.cons.names},
            warnings=sorted(self.warnings),
        )
