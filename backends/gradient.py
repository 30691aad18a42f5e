"""``method="gradient"``: equilibrium-flow gradient descent with an augmented Lagrangian.

Wang et al. (2022), Algorithm 1. At each step the oracle returns a follower equilibrium z*(pi), the
implicit function theorem gives the total gradient of the augmented Lagrangian (Eq. 5, adjoint mode,
:mod:`stackopt.backends.sensitivity`), and the leader takes a projected SGD/Adam step:

    L_mu(pi, s, y) = c(pi) + sum_j y_j (G_j(pi) + s_j) + mu/2 sum_j (G_j(pi) + s_j)^2,   s >= 0,

where c = sign * leader objective, G_j <= 0 are the equilibrium-dependent leader constraints, the
slack s is minimized in closed form, s_j = max(0, -G_j - y_j/mu), which leaves the gradient
grad c + sum_j max(0, y_j + mu G_j) grad G_j, and the multipliers are updated every K steps,
y <- max(0, y + mu G). Constraints on leader Vars alone are kept by projection
(:mod:`stackopt.backends.projection`). With a sampling oracle each step differentiates through
``samples`` sampled equilibria (Theorem 2) and records the gradient's sample variance. Along the
leader's path the ``kkt`` oracle stops once ||F||_inf <= tol instead of polishing each equilibrium
to 1e-10 (Newton's ``path_target``, :mod:`stackopt.backends.oracles.newton`; pass
``oracle_options={"path_target": None}`` to polish): the implicit gradient is then exact up to
O(tol). If the oracle fails at step k > 0 (an equilibrium branch that ends, for instance), the
method stops with status "error" and returns the leader decision of step k - 1, the last one whose
equilibrium was found, evaluated honestly like any other. A run that takes all its steps ends
"feasible" when the returned decision violates the leader's constraints by at most 1e-3 at its
recomputed equilibrium (:mod:`stackopt.backends.evaluation`), else "iteration_limit".

Algorithm 1 returns its last decision, which an augmented Lagrangian can leave over a constraint
(its multipliers are still moving). With ``returns="best-feasible"`` a run that stops short of a
stationary point (step or time limit, oracle failure) returns instead the decision of the step with
the best leader objective among those whose equilibrium violated the constraints by at most 1e-3
(the last decision if no step did); the history is the same and the message names the step. A
stationary point is still returned as it is: its violation is at most ``tol``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from pyomo.core.expr.visitor import identify_variables
from pyomo.repn import generate_standard_repn

from stackopt.backends.cvxpy_path import run_cvxpy
from stackopt.backends.evaluation import FEASIBILITY_TOL, honest_result
from stackopt.backends.optimizers import make_optimizer
from stackopt.backends.oracles.registry import make_oracle
from stackopt.backends.projection import LinearSetProjection
from stackopt.backends.sensitivity import Sensitivity
from stackopt.backends.start_points import current_value
from stackopt.errors import OptionError
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluation, KKTEvaluator
from stackopt.result import Result
from stackopt.structure import analyze


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


def run(
    game: StackelbergGame,
    oracle: str | Callable = "kkt",
    oracle_options: dict | None = None,
    steps: int = 5000,
    lr: float = 0.01,
    optimizer: str = "adam",
    K: int = 100,
    mu: float = 10.0,
    samples: int = 1,
    seed: int = 0,
    tol: float = 1e-6,
    time_limit: float | None = None,
    verbose: bool = False,
    returns: str = "last",
) -> Result:
    """Equilibrium-flow gradient descent (Wang et al. 2022, Algorithm 1); an honest Result.

    The leader takes projected Adam/SGD steps on the augmented Lagrangian of its problem, with the
    gradient through the followers' equilibrium by the implicit function theorem (module docstring).

    Parameters
    ----------
    oracle : str or callable
        How the followers' equilibrium is found: kkt (warm-started Newton with rescues), relaxation
        (damped best responses), dynamics (projected gradient play, a sampling oracle) or a callable.
    oracle_options : dict or None
        Options of the oracle (for kkt: ``path_target``, the residual at which an equilibrium on the
        leader's path is accepted).
    steps : int
        Number of gradient steps.
    lr : float
        Learning rate of the leader's optimizer.
    optimizer : str
        adam or sgd.
    K : int
        The augmented Lagrangian's multipliers are updated every K steps.
    mu : float
        Penalty weight of the augmented Lagrangian.
    samples : int
        Equilibria sampled per step with a sampling oracle; the gradient is their mean.
    seed : int
        Seed of the sampling oracle.
    tol : float
        Equilibrium tolerance of the oracle, and the run stops at a stationary point (projected
        gradient and constraint violation at most tol).
    time_limit : float or None
        Wall-clock limit in seconds; the run stops with status "time_limit".
    verbose : bool
        Show a progress bar.
    returns : str
        "last" (Algorithm 1's last decision) or "best-feasible" (a run that stops short returns its
        best step within the leader's constraints).
    """
    for name, value in (("steps", steps), ("K", K), ("samples", samples)):
        if not isinstance(value, int) or value < 1:
            raise OptionError(f"{name} must be a positive integer, got {value!r}")
    if not mu > 0:
        raise OptionError(f"mu must be positive, got {mu!r}")
    if returns not in ("last", "best-feasible"):
        raise OptionError(f"returns must be 'last' or 'best-feasible', got {returns!r}")
    structure = analyze(game)
    cvxpy_parts = [part.cvxpy is not None for part in structure.followers]
    if any(cvxpy_parts):
        if not all(cvxpy_parts) or oracle != "kkt" or oracle_options or samples != 1:
            raise OptionError(
                "with followers written in cvxpy, every follower must be a cvxpy follower and the "
                "oracle is cvxpy's best response (no oracle, oracle_options or samples)"
            )
        return run_cvxpy(structure, steps, lr, optimizer, tol, time_limit)
    evaluator = KKTEvaluator(game)
    structure = evaluator.kkt.structure
    cons = LeaderConstraints(evaluator)
    if oracle == "kkt":  # along the leader's path, equilibria to tol, not polished (overridable)
        oracle_options = {"path_target": tol} | (oracle_options or {})
    orc = make_oracle(oracle, game, evaluator, tol, oracle_options)
    opt = make_optimizer(optimizer, lr)
    rng = np.random.default_rng(seed)
    start_values = {
        v.name: current_value(v) for v in structure.leader_vars + structure.follower_vars
    }
    z, pi = evaluator.values_of(start_values)
    pi = cons.project(pi)
    y = np.zeros(len(cons.rows))
    solved: np.ndarray | None = None  # the decision of the last step whose equilibrium was found
    best: tuple[float, int, np.ndarray, np.ndarray] | None = None  # (cost, step, pi, z), feasible
    history: list[dict[str, Any]] = []
    warnings: set[str] = set()
    status, message = "iteration_limit", f"ran {steps} steps"
    start = time.perf_counter()
    progress = _progress(steps, verbose)
    for k in range(steps):
        t0 = time.perf_counter()
        grads, residual, last = [], 0.0, None
        for _ in range(samples):
            eq = orc(pi, z, rng)
            if not eq.converged:
                status = "error"
                message = f"the {eq.oracle} oracle failed at step {k}: {eq.message}"
                if solved is not None:  # return the last decision with an equilibrium, not pi
                    pi = solved
                    message += f"; returned the leader decision of step {k - 1}"
                break
            z, residual = eq.z, max(residual, eq.residual)
            last = eq.evaluation if eq.evaluation is not None else evaluator.evaluate(z, pi)
            sens = Sensitivity(last)
            warnings.update(sens.warnings)
            G = cons.values(last)
            weights = np.maximum(0.0, y + mu * G)
            grads.append(sens.adjoint(*cons.penalized_gradients(last, weights)))
        if status == "error":
            break
        grad = grads[0] if samples == 1 else np.mean(grads, axis=0)
        solved = pi
        violation = float(G.max(initial=0.0))
        if violation <= FEASIBILITY_TOL and (best is None or last.leader_cost < best[0]):
            best = (last.leader_cost, k, pi, z)
        new_pi = cons.project(pi - opt.step(grad))
        moved = float(np.abs(new_pi - pi).max(initial=0.0))
        pi = new_pi
        if (k + 1) % K == 0:
            y = np.maximum(0.0, y + mu * G)
        history.append(
            {
                "step": k,
                "objective": evaluator.leader_sign * last.leader_cost,
                "violation": violation,
                "multipliers": y.tolist(),
                "residual": residual,
                "grad_norm": float(np.sqrt(grad @ grad)),
                "grad_variance": float(np.var(grads, axis=0, ddof=1).sum()) if samples > 1 else 0.0,
                "step_time": time.perf_counter() - t0,
            }
        )
        progress(k)
        small = 1e-12 * max(1.0, float(np.abs(pi).max(initial=0.0)))
        if (  # the optimizer's step vanished; a momentum pushing into a bound does not count
            moved <= small
            and history[-1]["violation"] <= tol
            and np.abs(pi - cons.project(pi - grad)).max(initial=0.0) <= small
        ):
            status, message = "locally_optimal", f"stationary after {k + 1} steps"
            break
        if time_limit is not None and time.perf_counter() - start > time_limit:
            status, message = "time_limit", f"time limit after {k + 1} steps"
            break
    reported = history[-1]["objective"] if history else None
    # a stationary point within the constraints is kept (best-feasible is for runs that stop short)
    if returns == "best-feasible" and best is not None and status != "locally_optimal":
        _, step, best_pi, best_z = best
        if best_pi is not pi:
            pi, z, reported = best_pi, best_z, history[step]["objective"]
            message += f"; returned the best feasible decision, of step {step}"
    values = dict(zip(evaluator.leader_names, pi)) | dict(zip(evaluator.z_names, z))
    # after every step: "feasible" if the returned decision is, at its recomputed equilibrium
    ran_out = status == "iteration_limit"
    return honest_result(
        game,
        evaluator,
        status="feasible" if ran_out else status,
        if_violated="iteration_limit" if ran_out else "infeasible",
        values=values,
        reported_objective=reported,
        message=message,
        history=history,
        info={"oracle": getattr(orc, "name", "callable"), "constraints": cons.names},
        warnings=sorted(warnings),
    )


def _progress(steps: int, verbose: bool) -> Callable[[int], None]:
    if not verbose:
        return lambda k: None
    from tqdm.auto import tqdm

    bar = tqdm(total=steps, desc="gradient steps", unit="step")

    def tick(k: int) -> None:
        bar.update(1)
        if k == steps - 1:
            bar.close()

    return tick
