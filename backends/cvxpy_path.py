"""The gradient method for games whose followers are written in cvxpy.

Equilibrium: Jacobi best responses, each follower's cvxpy problem solved with its Parameters set to
the current leader decision and the other followers' decisions, until no decision moves by more than
``tol``. Gradient (adjoint mode through the fixed point x = BR(x, pi)): with g = d phi/dx,

    w = g + B_x^T w,      d phi/d pi (total) = d phi/d pi + B_pi^T w,

where B_x, B_pi are the best responses' Jacobians; the products B^T w are exactly what cvxpy's
``backward()`` returns when the decisions' ``gradient`` is set to w (Agrawal et al. 2019). With one
follower, or followers that only see the leader, B_x = 0 and one backward pass suffices. The leader
then takes projected SGD/Adam steps (:mod:`stackopt.backends.gradient`).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.calculus.derivatives import Modes, differentiate
from pyomo.core.expr.visitor import identify_variables

from stackopt.backends.evaluation import nested_values
from stackopt.backends.optimizers import make_optimizer
from stackopt.backends.projection import LinearSetProjection
from stackopt.backends.start_points import current_value, leader_start
from stackopt.errors import OptionError
from stackopt.result import Result
from stackopt.structure import GameStructure

#: cvxpy differentiates through SCS (via diffcp); its default accuracy (1e-4) is far too loose for
#: an equilibrium oracle at the paper's tolerance 1e-6
_SCS_TIGHT = {"eps_abs": 1e-10, "eps_rel": 1e-10, "max_iters": 200_000}


#: diffcp's derivatives are accurate to about 1e-6 relative; the adjoint fixed point stops there
_ADJOINT_RTOL = 1e-5


class CvxpyEquilibrium:
    """Best responses and their adjoint for the structure's (all cvxpy) followers."""

    def __init__(self, structure: GameStructure, tol: float, max_iter: int = 500):
        self.parts, self.model = structure.followers, structure.game
        self.leader = structure.leader_vars
        self.x_vars = structure.follower_vars
        self.pos = {id(v): ("pi", i) for i, v in enumerate(self.leader)}
        self.pos |= {id(v): ("x", i) for i, v in enumerate(self.x_vars)}
        bounds = np.cumsum([0] + [len(p.vars) for p in self.parts])
        self.slices = list(zip(bounds[:-1], bounds[1:]))
        self.tol, self.max_iter = tol, max_iter

    def _source(self, twin, param, pi, x) -> np.ndarray:
        out = []
        for v in twin.pyomo_vars(param, self.model):
            if id(v) not in self.pos:
                raise OptionError(
                    f"cvxpy Parameter {param.name()} stands for {v.name}, not a game Var"
                )
            kind, i = self.pos[id(v)]
            out.append(pi[i] if kind == "pi" else x[i])
        return np.reshape(out, param.shape)

    def _respond(self, k: int, pi: np.ndarray, x: np.ndarray) -> np.ndarray:
        twin = self.parts[k].cvxpy
        for param in twin.parameters:
            param.value = self._source(twin, param, pi, x)
        twin.problem.solve(requires_grad=True, **_SCS_TIGHT)
        if twin.problem.status not in ("optimal", "optimal_inaccurate"):
            raise RuntimeError(f"cvxpy follower {self.parts[k].name}: {twin.problem.status}")
        return np.concatenate([np.ravel(var.value) for var in twin.decisions.values()])

    def solve(self, pi: np.ndarray, x0: np.ndarray) -> np.ndarray:
        """The equilibrium x*(pi) from x0 (Jacobi iterations); every problem solved at x*."""
        x = np.array(x0, float)
        for _ in range(self.max_iter):
            new = np.concatenate([self._respond(k, pi, x) for k in range(len(self.parts))])
            moved = float(np.max(np.abs(new - x), initial=0.0))
            x = new
            if moved <= self.tol:
                for k in range(len(self.parts)):  # solve once more at x*, for backward()
                    self._respond(k, pi, x)
                return x
        raise RuntimeError(f"cvxpy best responses did not settle in {self.max_iter} rounds")

    def adjoint(self, g_x: np.ndarray, g_pi: np.ndarray) -> np.ndarray:
        """Total gradient of phi with partials (g_x, g_pi) through x*(pi); see the module docstring."""
        w = np.array(g_x, float)
        for _ in range(self.max_iter):
            back_x, back_pi = np.zeros_like(w), np.zeros_like(g_pi)
            for part, (at, _) in zip(self.parts, self.slices):
                twin = part.cvxpy
                for var in twin.decisions.values():
                    var.gradient = np.reshape(w[at : at + var.size], var.shape)
                    at += var.size
                twin.problem.backward()
                for param in twin.parameters:
                    grads = np.ravel(param.gradient)
                    for v, d in zip(twin.pyomo_vars(param, self.model), grads):
                        kind, i = self.pos[id(v)]
                        (back_pi if kind == "pi" else back_x)[i] += d
            new_w = g_x + back_x
            if np.max(np.abs(new_w - w), initial=0.0) <= _ADJOINT_RTOL * max(
                1.0, np.max(np.abs(w))
            ):
                return g_pi + back_pi
            w = new_w
        raise RuntimeError("the adjoint fixed point through the best responses did not converge")


def _partials(structure: GameStructure, pi: np.ndarray, x: np.ndarray):
    for v, value in zip(structure.leader_vars + structure.follower_vars, np.concatenate([pi, x])):
        v.set_value(float(value), skip_validation=True)
    wrt = structure.leader_vars + structure.follower_vars
    expr = structure.leader_sign * structure.objective.expr
    grad = np.array(differentiate(expr, wrt_list=wrt, mode=Modes.reverse_numeric), float)
    return float(pyo.value(expr)), grad[: len(pi)], grad[len(pi) :]


def run_cvxpy(
    structure: GameStructure,
    max_iter: int,
    lr: float | None,
    optimizer: str,
    line_search: bool,
    tol: float,
    time_limit: float | None,
    start: dict[str, Any] | None,
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
    if lr is None:
        raise OptionError("with followers written in cvxpy the leader takes fixed steps: give lr")
    game = structure.game
    leader_ids = {id(v) for v in structure.leader_vars}
    for c in structure.constraints:
        if any(id(v) not in leader_ids for v in identify_variables(c.body, include_fixed=False)):
            raise OptionError(
                f"constraint {c.name} depends on the followers; equilibrium-dependent leader "
                "constraints are not supported with cvxpy followers"
            )
    project = LinearSetProjection(structure.leader_vars, structure.constraints)
    equilibrium = CvxpyEquilibrium(structure, tol)
    opt = make_optimizer(optimizer, lr)
    named = leader_start(structure.leader_vars, start)
    pi = project(np.array([named.get(v.name, current_value(v)) for v in structure.leader_vars]))
    x = np.array([current_value(v) for v in structure.follower_vars])
    history: list[dict[str, Any]] = []
    status, message, t_start = "iteration_limit", f"ran {max_iter} steps", time.perf_counter()
    for k in range(max_iter):
        t0 = time.perf_counter()
        x = equilibrium.solve(pi, x)
        cost, g_pi, g_x = _partials(structure, pi, x)
        grad = equilibrium.adjoint(g_x, g_pi)
        new_pi = project(pi - opt.step(grad))
        moved = float(np.max(np.abs(new_pi - pi), initial=0.0))
        pi = new_pi
        history.append(
            {
                "step": k,
                "objective": structure.leader_sign * cost,
                "violation": 0.0,
                "grad_norm": float(np.linalg.norm(grad)),
                "step_time": time.perf_counter() - t0,
            }
        )
        if moved <= 1e-12 * max(1.0, float(np.max(np.abs(pi), initial=0))):
            status, message = "locally_optimal", f"stationary after {k + 1} steps"
            break
        if time_limit is not None and time.perf_counter() - t_start > time_limit:
            status, message = "time_limit", f"time limit after {k + 1} steps"
            break
    x = equilibrium.solve(pi, x)  # honest: the equilibrium recomputed at the returned decision
    cost, _, _ = _partials(structure, pi, x)
    violation = max(
        [0.0]
        + [
            max(c.lb - pyo.value(c.body), 0.0) if c.lb is not None else 0.0
            for c in structure.constraints
        ]
        + [
            max(pyo.value(c.body) - c.ub, 0.0) if c.ub is not None else 0.0
            for c in structure.constraints
        ]
    )
    return Result(
        status=status,
        leader_objective=structure.leader_sign * cost,
        reported_objective=history[-1]["objective"] if history else None,
        violation=violation,
        leader=nested_values(structure.leader_vars, pi),
        followers={
            part.name: nested_values(part.vars, x[a:b], relative_to=part.block)
            for part, (a, b) in zip(structure.followers, equilibrium.slices)
        },
        history=history,
        message=message,
        info={"oracle": "cvxpy", "game": game.name},
    )
