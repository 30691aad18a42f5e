"""``method="slsqp"`` and ``method="trust-constr"``: scipy with the equilibrium as a black box.

The paper's baselines (Wang et al. 2022, Sec. 6): minimize c(pi) = sign * F(pi, x*(pi)) subject to
G(pi, x*(pi)) <= 0 and the leader's bounds, where every function value recomputes the equilibrium
x*(pi) with the ``kkt`` oracle (for followers written in cvxpy: their best responses,
:mod:`stackopt.backends.cvxpy_equilibrium`) and scipy differentiates by finite differences. scipy
differentiates c and G separately, with the same probe points; each probe's equilibrium is solved
once; a leader Var pinned by its bounds (lb = ub) stays there, out of scipy's vector. Where the
followers cannot respond at the start, phase 1 of the gradient method
(:mod:`stackopt.backends.feasible_start`) moves the leader to the nearest decision where they can;
where they cannot respond at a trial decision, scipy cannot go on and the run ends, at best
"feasible" (its certificate decides).

A run that ends without scipy's success (Ctrl-C, time, the callback, scipy's iteration limit, a
failure) returns the best decision it evaluated within the leader's constraints: of least cost c
among those whose equilibrium violates them by at most FEASIBILITY_TOL = 1e-3 (the honest
evaluation's), scipy's iterates and finite-difference probes alike (no new solve: the honest
evaluation recomputes its equilibrium from the one solved there); where none was within them,
scipy's last decision. The start (phase 1's decision, if it moved) is evaluated before the time
limit is watched, so a run always has a decision with an objective to return. A success
keeps scipy's point unless an evaluated decision is strictly cheaper and no more violated; the
message then says which evaluation it was.

Both take the option vocabulary of the iterative methods: ``max_iter`` (scipy's iteration limit),
``tol`` (scipy's ``tol``), ``start`` (leader Var name -> value), ``time_limit`` (wall clock) and
``callback(state) -> bool``, called after every scipy iteration with ``state`` = {"iteration",
"objective", "leader"}; True stops the run. A stop by time, by the callback or by Ctrl-C has status
"time_limit", "iteration_limit" or "interrupted" (at the best decision above); ``verbose`` shows a
progress bar over the iterations. The logger ``stackopt.<method>`` gets the run's line as it ends
and, during a long run, a heartbeat with the iteration, its objective and the equilibria solved
(:mod:`stackopt.backends.progress_log`). The time is checked after every iteration and before every new
function evaluation (a finite-difference sweep costs n + 1 equilibria); an iteration's own linear
algebra, dense in the leader's dimension n, is not interrupted: SLSQP spends about 13 s in one
iteration on QRE subsidies 3 x 10 (n = 3000).
"""

from __future__ import annotations

import time
import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from scipy.optimize import Bounds, NonlinearConstraint, minimize

from stackopt.backends.cvxpy_equilibrium import CvxpyEquilibrium, cvxpy_result, leader_cost
from stackopt.backends.cvxpy_path import leader_projection
from stackopt.backends.evaluation import EQUILIBRIUM_TOL, FEASIBILITY_TOL, honest_result
from stackopt.backends.feasible_start import FollowerDomain
from stackopt.backends.gradient import LeaderConstraints
from stackopt.backends.oracles.kkt import KKTOracle
from stackopt.backends.oracles.multipliers import with_multipliers
from stackopt.backends.progress_log import StartLog, counted
from stackopt.backends.start_points import current_value, leader_start
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.progress import progress_bar
from stackopt.result import Result
from stackopt.structure import GameStructure, analyze, require_leader_vars


class _KKTGame:
    """A game with Pyomo followers: equilibria by the ``kkt`` oracle, the Result by the honest
    evaluation (:mod:`stackopt.backends.evaluation`)."""

    def __init__(self, game: StackelbergGame, start: dict[str, float]):
        self.game, self.evaluator = game, KKTEvaluator(game)
        structure = self.evaluator.kkt.structure
        self.sign = self.evaluator.leader_sign
        self.constraints = LeaderConstraints(self.evaluator)
        self.project, self.n_G = self.constraints.project, len(self.constraints.rows)
        self.oracle = KKTOracle(game, self.evaluator)
        values = {v.name: current_value(v) for v in structure.leader_vars + structure.follower_vars}
        self.z, self.pi0 = self.evaluator.values_of(values | start)

    def feasible_start(self, pi: np.ndarray, why: str) -> tuple[np.ndarray, str]:
        """Where no equilibrium was found at ``pi`` (``why``), the nearest leader decision where
        the followers can respond (phase 1, :mod:`stackopt.backends.feasible_start`), and what
        was done."""
        phase = FollowerDomain(analyze(self.game)).nearest(pi, self.z[: self.evaluator.n_x])
        if not phase.found:
            raise RuntimeError(
                "no equilibrium at the start, and phase 1 found no leader decision where the "
                f"followers are feasible ({phase.message})"
            )
        self.z = with_multipliers(self.evaluator, phase.x, self.project(phase.pi), EQUILIBRIUM_TOL)
        moved = float(np.abs(phase.pi - pi).max(initial=0.0))
        note = (
            f"{why} at the start; phase 1 (the nearest decision where the followers are feasible) "
            f"moved the leader by {moved:.3g}"
        )
        return self.project(phase.pi), note

    def evaluate(self, pi: np.ndarray) -> tuple[float, np.ndarray]:
        """(c, G) at the equilibrium for pi, warm-started from the last one."""
        eq = self.oracle(pi, self.z)
        if not eq.converged:
            raise RuntimeError(f"no equilibrium ({eq.message})")
        self.z = eq.z
        ev = self.evaluator.evaluate(eq.z, pi, derivatives=False)
        return ev.leader_cost, self.constraints.values(ev)

    def point(self) -> np.ndarray:
        """The followers' point (and multipliers) of the last equilibrium."""
        return self.z.copy()

    def result(self, pi: np.ndarray, point: np.ndarray | None = None, **claim: Any) -> Result:
        """The honest Result at ``pi``, its equilibrium recomputed from ``point`` (the last
        equilibrium's when None)."""
        ev = self.evaluator
        z = self.z if point is None else point
        values = dict(zip(ev.leader_names, pi)) | dict(zip(ev.z_names, z))
        return honest_result(self.game, ev, values=values, **claim)


class _CvxpyGame:
    """A game with cvxpy followers: equilibria by their best responses, the Result by
    :func:`stackopt.backends.cvxpy_equilibrium.cvxpy_result`."""

    def __init__(self, structure: GameStructure, start: dict[str, float]):
        self.structure, self.sign = structure, structure.leader_sign
        self.project, self.n_G = leader_projection(structure), 0
        self.equilibrium = CvxpyEquilibrium(structure, EQUILIBRIUM_TOL)
        self.x = np.array([current_value(v) for v in structure.follower_vars])
        self.pi0 = np.array([start.get(v.name, current_value(v)) for v in structure.leader_vars])

    def feasible_start(self, pi: np.ndarray, why: str) -> tuple[np.ndarray, str]:
        raise RuntimeError(f"the cvxpy followers' best responses failed at the start: {why}")

    def evaluate(self, pi: np.ndarray) -> tuple[float, np.ndarray]:
        self.x = self.equilibrium.solve(pi, self.x)
        return leader_cost(self.structure, pi, self.x)[0], np.zeros(0)

    def point(self) -> np.ndarray:
        """The followers' point of the last equilibrium."""
        return self.x.copy()

    def result(self, pi: np.ndarray, point: np.ndarray | None = None, **claim: Any) -> Result:
        """The Result at ``pi``, its equilibrium recomputed from ``point`` (the last one's when
        None)."""
        x = self.x if point is None else point
        return cvxpy_result(self.structure, self.equilibrium, pi, x, **claim)


class _Best(NamedTuple):
    """A leader decision evaluated during the run: its cost c, its violation of the leader's
    constraints, the followers' equilibrium there and its number among the evaluations (1: the
    start)."""

    pi: np.ndarray
    cost: float
    violation: float
    point: np.ndarray
    number: int


class _BlackBox:
    """c(pi) and G(pi) at the equilibrium recomputed for pi, warm-started from the last one.

    The values at the last 2 n + 2 points (n leader variables) are kept: one finite-difference
    sweep for c and one for G around the same point. Each new equilibrium may beat ``progress``'s
    heartbeat with ``iterate``, scipy's (iteration, leader objective) so far. ``best`` is the
    evaluated decision of least c among those within the leader's constraints (violation
    max(0, G, lo - A pi, A pi - hi) at most FEASIBILITY_TOL, the honest evaluation's), with its
    equilibrium.
    """

    def __init__(self, problem: _KKTGame | _CvxpyGame, progress: StartLog):
        self.problem, self.progress = problem, progress
        self.iterate: tuple[int, float | None] = (0, None)
        self.equilibria = 0
        #: no new point is evaluated after this ``time.perf_counter()`` instant (None: no limit)
        self.deadline: float | None = None
        self.history: list[dict[str, Any]] = []
        #: (c, G, violation) at the last points evaluated
        self._seen: OrderedDict[bytes, tuple[float, np.ndarray, float]] = OrderedDict()
        self._capacity = 2 * len(problem.pi0) + 2
        #: the last leader decision with an equilibrium (returned if a later one has none)
        self.last = np.asarray(problem.pi0, dtype=float)
        #: the best decision evaluated within the leader's constraints (None: none so far)
        self.best: _Best | None = None

    def _inside(self, pi: np.ndarray) -> np.ndarray:
        # scipy may probe a hair outside the leader's bounds (trust-constr's finite differences);
        # the game is only defined inside them, so a probe is evaluated at its nearest point there
        proj = self.problem.project
        return np.clip(np.asarray(pi, float), proj.lb, proj.ub)

    def _violation(self, pi: np.ndarray, G: np.ndarray) -> float:
        """max(0, G, lo - A pi, A pi - hi): the leader's constraints at ``pi`` (within its bounds)."""
        proj = self.problem.project
        rows = proj.A @ pi
        with np.errstate(invalid="ignore"):  # an infinite side minus itself
            sides = np.concatenate([G, proj.lo - rows, rows - proj.hi])
        return float(np.nan_to_num(sides, nan=0.0, neginf=0.0).max(initial=0.0))

    def at(self, pi: np.ndarray) -> tuple[float, np.ndarray, float]:
        pi = self._inside(pi)
        key = pi.tobytes()
        if key not in self._seen:
            if self.deadline is not None and time.perf_counter() > self.deadline:
                late = time.perf_counter() - self.deadline
                raise OutOfTime(
                    f"time limit during an iteration's function evaluations{_late(late)}"
                )
            cost, G = self.problem.evaluate(pi)
            violation = self._violation(pi, G)
            self._seen[key] = (cost, G, violation)
            self.last = pi
            self.equilibria += 1
            if violation <= FEASIBILITY_TOL and (self.best is None or cost < self.best.cost):
                self.best = _Best(pi, cost, violation, self.problem.point(), self.equilibria)
            plural = "equilibrium" if self.equilibria == 1 else "equilibria"
            self.progress.beat(*self.iterate, f"{self.equilibria} {plural}")
            if len(self._seen) > self._capacity:
                self._seen.popitem(last=False)
        return self._seen[key]

    def cost(self, pi: np.ndarray) -> float:
        cost = self.at(pi)[0]
        self.history.append({"objective": self.problem.sign * cost})
        return cost

    def G(self, pi: np.ndarray) -> np.ndarray:
        return self.at(pi)[1]

    def objective(self, pi: np.ndarray) -> float | None:
        """The leader's objective (the model's sense) at ``pi`` where it was evaluated, else None."""
        seen = self._seen.get(self._inside(pi).tobytes())
        return None if seen is None else self.problem.sign * seen[0]

    def returned(
        self, pi: np.ndarray, reported: float | None, what: str, success: bool = False
    ) -> tuple[np.ndarray, np.ndarray | None, float | None, str]:
        """The decision to judge in place of scipy's ``pi`` (``what`` it is, ``reported`` its
        objective): (decision, its equilibrium or None for the last one, its objective, what
        the message adds). A run without success returns ``best``, where there is one; a success
        keeps ``pi`` unless ``best`` is cheaper by more than ``SWAP_MARGIN`` (relative) and no
        more violated than ``pi``. Scipy's
        ``pi`` is taken within the leader's bounds, as it was evaluated (trust-constr's interior
        point may end a hair outside them)."""
        pi = self._inside(pi)
        best = self.best
        if best is None:
            why = "" if success else f"no decision evaluated met the leader's constraints: {what}"
            return pi, None, reported, why
        which = f"evaluation {best.number} of {self.equilibria}"
        which += " (the start)" if best.number == 1 else ""
        objective = self.problem.sign * best.cost
        if success:
            seen = self._seen.get(pi.tobytes())  # scipy evaluated its point
            margin = SWAP_MARGIN * max(1.0, abs(seen[0])) if seen is not None else 0.0
            if seen is None or not (best.cost < seen[0] - margin and best.violation <= seen[2]):
                return pi, None, reported, ""
            why = (
                f"{which} is better than scipy's point and is returned (leader objective "
                f"{objective:.10g} against {self.problem.sign * seen[0]:.10g}, violation "
                f"{best.violation:.1e} against {seen[2]:.1e})"
            )
        else:
            why = (
                f"the best decision evaluated within the leader's constraints is returned: {which}"
            )
        return best.pi, best.point, objective, why


#: a success's point gives way to a better evaluated one only where that one is cheaper by more
#: than this, relative to max(1, |cost|): the equilibria are solved to about 1e-9, and a
#: finite-difference probe one rounding error cheaper (0.9 against 0.9000000000000001) is no
#: better decision
SWAP_MARGIN = 1e-9
#: seconds past the time limit from which a stop's message says how late the iteration ended
LATE = 1.0


def _late(seconds: float) -> str:
    """What a stop ``seconds`` past the time limit adds to its message: how late, when it is more
    than ``LATE``."""
    if seconds <= LATE:
        return ""
    return f" ({seconds:.1f} s past it: scipy's iteration runs whole)"


class OutOfTime(RuntimeError):
    """The deadline passed inside a scipy iteration (raised by a function evaluation)."""


class _Free:
    """The leader's coordinates scipy moves: those whose bounds differ. A Var with lb == ub stays
    at its bound, out of scipy's vector (SLSQP would remove it itself, printing a line, and
    trust-constr's barrier moves it off its bound). ``full(p)`` is the whole decision for scipy's
    ``p``."""

    def __init__(self, lb: np.ndarray, ub: np.ndarray, start: np.ndarray):
        self.mask = lb < ub
        self.start = np.asarray(start, dtype=float)

    def full(self, p: np.ndarray) -> np.ndarray:
        pi = self.start.copy()
        pi[self.mask] = p
        return pi

    def linear(self, A: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> NonlinearConstraint:
        """lo <= A pi <= hi on scipy's coordinates, the pinned ones moved to the sides."""
        A_free, held = A[:, self.mask], A[:, ~self.mask] @ self.start[~self.mask]
        return NonlinearConstraint(lambda p: A_free @ p, lo - held, hi - held)


class _Watch:
    """scipy's per-iteration callback: counts iterations, draws the progress bar, and ends the run
    (StopIteration, which scipy turns into a normal return) when the callback asks or time is up;
    ``stopped`` then holds (status, message)."""

    def __init__(self, box: _BlackBox, options: _Options, bar: Any, free: _Free):
        self.box, self.options, self.bar, self.deadline = box, options, bar, box.deadline
        self.free = free
        self.iteration = 0
        #: the last iterate (the start before the first iteration)
        self.x = free.start
        self.stopped: tuple[str, str] | None = None

    def __call__(self, intermediate_result: Any) -> None:
        self.iteration += 1
        self.bar.update(1)
        self.x = self.free.full(np.asarray(intermediate_result.x, dtype=float))
        objective = self.box.problem.sign * float(intermediate_result.fun)
        self.box.iterate = (self.iteration, objective)
        state = {"iteration": self.iteration, "objective": objective, "leader": self.x}
        callback = self.options.callback
        if callback is not None and callback(state):
            self.stopped = ("iteration_limit", f"stopped by the callback after {self.iteration}")
        elif self.deadline is not None and time.perf_counter() > self.deadline:
            late = time.perf_counter() - self.deadline
            message = f"time limit after {counted(self.iteration, 'iteration')}{_late(late)}"
            self.stopped = ("time_limit", message)
        if self.stopped is not None:
            raise StopIteration


class _End(NamedTuple):
    """How scipy's run ended: the claim ``status``, its ``message``, its iterations, scipy's
    objective at its decision (None: the box's value there, where it evaluated it) and its
    function evaluations."""

    status: str
    message: str
    nit: int
    reported: float | None = None
    nfev: int | None = None

    def judged(
        self, problem: _KKTGame | _CvxpyGame, box: _BlackBox, pi: np.ndarray, what: str, note: str
    ) -> Result:
        """The Result of the run that ended at scipy's ``pi`` (``what`` it is), or at the best
        decision evaluated in its place (:meth:`_BlackBox.returned`); ``note`` begins its
        message."""
        reported = box.objective(pi) if self.reported is None else self.reported
        success = self.status == "locally_optimal"
        pi, point, reported, why = box.returned(pi, reported, f"{what} is returned", success)
        status = self.status
        if status == "feasible" and reported is None:  # no decision had an equilibrium
            status = "error"
        info = {"nit": self.nit} | ({} if self.nfev is None else {"nfev": self.nfev})
        return problem.result(
            pi,
            point,
            status=status,
            reported_objective=reported,
            message="; ".join(part for part in (note, self.message, why) if part),
            history=box.history,
            info=info,
        )


class _Options:
    """The option vocabulary of both baselines (their values checked by ``solve``:
    :mod:`stackopt.option_values`)."""

    def __init__(self, max_iter, tol, start, time_limit, callback, verbose):
        self.max_iter, self.tol, self.start = max_iter, float(tol), start
        self.time_limit, self.callback, self.verbose = time_limit, callback, bool(verbose)


def _run(game: StackelbergGame, scipy_method: str, options: _Options) -> Result:
    """The baseline's certified Result; its progress on ``stackopt.<method>`` at INFO
    (:mod:`stackopt.backends.progress_log`): a heartbeat, and its line as it ends."""
    progress = StartLog(scipy_method.lower(), unit="iteration")
    result = _minimize(game, scipy_method, options, progress)
    progress.end(result.status, result.reported_objective, result.info.get("nit", 0))
    return result


def _minimize(
    game: StackelbergGame, scipy_method: str, options: _Options, progress: StartLog
) -> Result:
    """scipy's ``scipy_method`` on the black box from the start (module docstring), judged."""
    structure = analyze(game)
    require_leader_vars(structure, f"method={scipy_method.lower()!r}")
    start = leader_start(structure.leader_vars, options.start)
    cvxpy = any(part.cvxpy is not None for part in structure.followers)
    problem = _CvxpyGame(structure, start) if cvxpy else _KKTGame(game, start)
    limit = options.time_limit
    deadline = None if limit is None else time.perf_counter() + limit
    box = _BlackBox(problem, progress)
    proj = problem.project
    pi0, note = proj(problem.pi0), ""
    try:
        box.at(pi0)
    except RuntimeError as exc:
        pi0, note = problem.feasible_start(pi0, str(exc))
        box.at(pi0)  # phase 1's decision: the oracle starts at its equilibrium
    box.iterate = (0, box.objective(pi0))
    box.deadline = deadline  # the start is evaluated whatever the limit
    free = _Free(proj.lb, proj.ub, pi0)
    if not free.mask.any():  # every Var pinned by its bounds: the start is the only decision
        reported = box.objective(pi0)
        return problem.result(
            pi0,
            status="error" if reported is None else "locally_optimal",
            reported_objective=reported,
            message="; ".join(
                part for part in (note, "every leader Var is fixed by its bounds") if part
            ),
            history=box.history,
            info={"nit": 0, "nfev": box.equilibria},
        )
    cons = []
    if problem.n_G:
        cons.append(NonlinearConstraint(lambda p: box.G(free.full(p)), -np.inf, 0.0))
    if len(proj.A):
        cons.append(free.linear(proj.A, proj.lo, proj.hi))
    with (
        warnings.catch_warnings(),  # trust-constr's BFGS notes flat directions; not a failure
        progress_bar(options.max_iter, "it", options.verbose, desc=scipy_method) as bar,
    ):
        warnings.filterwarnings("ignore", "delta_grad == 0.0", UserWarning)
        watch = _Watch(box, options, bar, free)

        try:
            out = minimize(
                lambda p: box.cost(free.full(p)),
                pi0[free.mask],
                method=scipy_method,
                bounds=Bounds(proj.lb[free.mask], proj.ub[free.mask]),
                constraints=cons,
                tol=options.tol,
                callback=watch,
                options={"maxiter": options.max_iter},
            )
        except KeyboardInterrupt:
            end = _End("interrupted", "interrupted (Ctrl-C)", watch.iteration)
            return end.judged(problem, box, box.last, "the last decision evaluated", note)
        except OutOfTime as exc:  # inside an iteration
            end = _End("time_limit", str(exc), watch.iteration, box.iterate[1])
            return end.judged(problem, box, watch.x, "the last iterate", note)
        except RuntimeError as exc:  # no equilibrium at a trial decision: scipy cannot go on
            # feasible at best, if certified
            end = _End("feasible", f"{exc} at a trial leader decision", watch.iteration)
            return end.judged(problem, box, box.last, "the last decision with an equilibrium", note)
    nit = int(out.nit)
    if watch.stopped is not None:
        status, message = watch.stopped
    else:
        message = str(out.message)
        status = (
            "locally_optimal"
            if out.success
            else "iteration_limit"
            if nit >= options.max_iter
            else "error"
        )
    end = _End(status, message, nit, problem.sign * float(out.fun), int(out.nfev))
    return end.judged(problem, box, free.full(out.x), "the last iterate", note)


def run_slsqp(
    game: StackelbergGame,
    max_iter: int = 100,
    tol: float = 1e-6,
    start: dict[str, Any] | None = None,
    time_limit: float | None = None,
    callback: Callable[[dict[str, Any]], bool] | None = None,
    verbose: bool = False,
) -> Result:
    """SLSQP with finite-difference gradients through the black-box equilibrium.

    Parameters
    ----------
    max_iter : int
        scipy's iteration limit.
    tol : float
        scipy's tolerance (SLSQP's ``ftol``: the change of the leader's cost at a stop).
    start : dict or None
        Leader Var name -> starting value (as in ``Result.leader``); the model's values otherwise.
    time_limit : float or None
        Wall-clock limit in seconds; the best decision evaluated within the leader's constraints
        is returned with status "time_limit".
    callback : callable or None
        ``callback(state) -> bool`` after every iteration, ``state`` = {"iteration",
        "objective", "leader"}; True stops with status "iteration_limit" (at that best decision).
    verbose : bool
        A progress bar over the iterations.
    """
    options = _Options(max_iter, tol, start, time_limit, callback, verbose)
    return _run(game, "SLSQP", options)


def run_trust_constr(
    game: StackelbergGame,
    max_iter: int = 200,
    tol: float = 1e-8,
    start: dict[str, Any] | None = None,
    time_limit: float | None = None,
    callback: Callable[[dict[str, Any]], bool] | None = None,
    verbose: bool = False,
) -> Result:
    """trust-constr with finite-difference gradients through the black-box equilibrium.

    Parameters
    ----------
    max_iter : int
        scipy's iteration limit.
    tol : float
        scipy's tolerance (trust-constr's ``gtol`` and ``xtol``).
    start : dict or None
        Leader Var name -> starting value (as in ``Result.leader``); the model's values otherwise.
    time_limit : float or None
        Wall-clock limit in seconds; the best decision evaluated within the leader's constraints
        is returned with status "time_limit".
    callback : callable or None
        ``callback(state) -> bool`` after every iteration, ``state`` = {"iteration",
        "objective", "leader"}; True stops with status "iteration_limit" (at that best decision).
    verbose : bool
        A progress bar over the iterations.
    """
    options = _Options(max_iter, tol, start, time_limit, callback, verbose)
    return _run(game, "trust-constr", options)
