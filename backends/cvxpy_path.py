"""The gradient method for games whose followers are written in cvxpy.

The followers' equilibrium, its derivatives and the honest Result come from
:mod:`stackopt.backends.cvxpy_equilibrium` (Gauss-Seidel best responses through cvxpy, Jacobians
from cvxpy's ``backward()``). The leader takes the same steps as :mod:`stackopt.backends.gradient`:
by default projected-gradient steps with Armijo backtracking on its objective and the scale-free
first trial of :mod:`stackopt.backends.leader_steps`; ``line_search=False`` takes fixed SGD/Adam
steps of ``lr``. A trial decision at which the best responses fail or do not settle is halved
towards the current one. Leader constraints must be on leader Vars alone (kept by projection).
``callback`` and Ctrl-C (status "interrupted", the last decision) work as in the gradient method.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from pyomo.core.expr.visitor import identify_variables

from stackopt.backends.cvxpy_equilibrium import CvxpyEquilibrium, cvxpy_result, leader_cost
from stackopt.backends.leader_steps import (
    MAX_HALVINGS,
    box_width,
    first_trial,
    next_trial,
    sufficient_decrease,
)
from stackopt.backends.optimizers import make_optimizer
from stackopt.backends.progress_log import counted
from stackopt.backends.projection import LinearSetProjection
from stackopt.backends.start_points import current_value, leader_start
from stackopt.errors import OptionError
from stackopt.result import Result
from stackopt.structure import GameStructure


def leader_projection(structure: GameStructure) -> LinearSetProjection:
    """The projection onto the leader's constraints; refused when one depends on the followers."""
    leader_ids = {id(v) for v in structure.leader_vars}
    for c in structure.constraints:
        if any(id(v) not in leader_ids for v in identify_variables(c.body, include_fixed=False)):
            raise OptionError(
                f"constraint {c.name} depends on the followers; equilibrium-dependent leader "
                "constraints are not supported with cvxpy followers"
            )
    return LinearSetProjection(structure.leader_vars, structure.constraints)


def run_cvxpy(
    structure: GameStructure,
    max_iter: int,
    lr: float | None,
    optimizer: str,
    line_search: bool,
    tol: float,
    time_limit: float | None,
    start: dict[str, Any] | None,
    callback: Callable[[dict[str, Any]], bool] | None,
    unsupported: dict[str, bool],
) -> Result:
    """Projected gradient descent for the leader against cvxpy followers; an honest Result.

    ``unsupported``: the gradient method's options that do not apply here, and whether each was
    given (refused by name)."""
    given = [name for name, used in unsupported.items() if used]
    if given:
        raise OptionError(
            f"with followers written in cvxpy the oracle is cvxpy's best response; {given} do "
            "not apply"
        )
    project = leader_projection(structure)
    equilibrium = CvxpyEquilibrium(structure, tol)
    opt = make_optimizer(optimizer, 1.0 if line_search else lr)
    named = leader_start(structure.leader_vars, start)
    pi = project(np.array([named.get(v.name, current_value(v)) for v in structure.leader_vars]))
    x = np.array([current_value(v) for v in structure.follower_vars])
    history: list[dict[str, Any]] = []
    names = [v.name for v in structure.leader_vars]
    status, message, t_start = (
        "iteration_limit",
        f"ran {counted(max_iter, 'step')}",
        time.perf_counter(),
    )
    try:
        x = equilibrium.solve(pi, x)
    except RuntimeError as exc:
        return cvxpy_result(
            structure, equilibrium, pi, x, status="error", message=f"at the start: {exc}"
        )
    cost, g_pi, g_x = leader_cost(structure, pi, x)
    t, previous = None, None
    try:
        for k in range(max_iter):
            t0 = time.perf_counter()
            grad = equilibrium.total_gradient(pi, x, g_x, g_pi)
            direction = opt.step(grad)
            if line_search:
                if optimizer != "sgd" and grad @ direction <= 0:
                    direction = grad
                t = (
                    first_trial(project.lb, project.ub, pi, direction, lr)
                    if t is None
                    else next_trial(
                        t,
                        previous,
                        pi,
                        grad,
                        direction,
                        box_width(project.lb, project.ub, pi),
                        optimizer == "sgd",
                    )
                )
                new_pi = None
            else:
                new_pi = project(pi - direction)
            accepted, halvings = None, 0
            for halvings in range(MAX_HALVINGS + 1):
                if line_search:
                    trial = project(pi - t / 2**halvings * direction)
                else:
                    trial = new_pi if halvings == 0 else pi + (new_pi - pi) / 2**halvings
                try:
                    x_trial = equilibrium.solve(trial, x)
                except RuntimeError:
                    continue
                c_trial, gp, gx = leader_cost(structure, trial, x_trial)
                if not line_search or sufficient_decrease(cost, c_trial, grad, trial - pi):
                    accepted = (trial, x_trial, c_trial, gp, gx)
                    break
            history.append(
                {
                    "step": k,
                    "objective": structure.leader_sign * cost,
                    "violation": 0.0,
                    "grad_norm": float(np.linalg.norm(grad)),
                    "halvings": halvings,
                    "step_time": time.perf_counter() - t0,
                }
            )
            if accepted is None:
                status = "locally_optimal" if line_search else "error"
                message = f"no step from the decision of step {k} " + (
                    "decreased the leader's objective" if line_search else "had an equilibrium"
                )
                break
            if line_search:
                t = t / 2**halvings
            moved = float(np.max(np.abs(accepted[0] - pi), initial=0.0))
            previous = (pi, grad)
            before = pi
            pi, x, cost, g_pi, g_x = accepted
            scale = max(1.0, float(np.max(np.abs(pi), initial=0.0)))
            if moved <= (tol if line_search else 1e-12) * scale:
                status, message = "locally_optimal", f"stationary after {counted(k + 1, 'step')}"
                break
            if callback is not None and callback(
                dict(history[-1], leader=dict(zip(names, before)))
            ):
                status, message = (
                    "iteration_limit",
                    f"stopped by the callback after {counted(k + 1, 'step')}",
                )
                break
            if time_limit is not None and time.perf_counter() - t_start > time_limit:
                status, message = "time_limit", f"time limit after {counted(k + 1, 'step')}"
                break
    except KeyboardInterrupt:  # the last decision with an equilibrium, judged honestly
        status, message = (
            "interrupted",
            f"interrupted (Ctrl-C) after {counted(len(history), 'step')}",
        )
    ran_out = status == "iteration_limit"
    return cvxpy_result(
        structure,
        equilibrium,
        pi,
        x,
        status="feasible" if ran_out else status,
        if_violated="iteration_limit" if ran_out else "infeasible",
        message=message,
        reported_objective=structure.leader_sign * cost,
        history=history,
    )
