"""Followers written in cvxpy: their equilibrium, its derivatives, and the honest Result.

**Equilibrium**: Gauss-Seidel best-response rounds, each follower answering the others' latest
decisions, x_k <- x_k + alpha (BR_k(x, pi) - x_k), until no decision moves by more than
tol * max(1, ||x||_inf) in a round. On a potential game (a congestion game) Gauss-Seidel rounds
are block-coordinate descent on the potential and converge (Monderer and Shapley 1996), where
simultaneous (Jacobi) rounds need not: with n players sharing a linear congestion cost the Jacobi
map has the eigenvalue -(n - 1)/2, -1 for three players, and oscillates for ever. alpha starts at 1
and halves after every ``DAMP_AFTER`` rounds without convergence (at most ``max_rounds`` rounds).

**Derivatives**: at the equilibrium x = BR(x, pi), so dx/dpi = (I - B_x)^{-1} B_pi with B_x, B_pi
the best responses' Jacobians, row by row from cvxpy's ``backward()`` (Agrawal et al. 2019,
"Differentiable convex optimization layers"), one pass per follower decision; a scalar phi with
partials (g_x, g_pi) then has the total gradient g_pi + B_pi^T (I - B_x)^{-T} g_x.

**Prices**: a follower constraint ``lhs <= rhs`` or ``lhs == rhs`` with cvxpy multiplier y (its
``dual_value``, cvxpy's Lagrangian f + y (lhs - rhs) for the problem as a minimization) has the
shadow price d f*/d(data side), in the sense of the follower's objective: s * y if the data side
(the side without the follower's Variables; rhs unless only rhs has them) is lhs, -s * y if it is
rhs, with s = 1 for a minimizing follower and -1 for a maximizing one (as
:meth:`stackopt.kkt.KKTSystem.price_terms` prices a Pyomo follower's). A constraint is named
"<follower>.<label>" after its cvxpy ``label`` when that is an identifier the follower's other
constraints do not share, else "<follower>.constraints[i]" (i its position in the problem), each
entry of a vector or matrix one ``[j]`` / ``[j,k]`` further. Other cvxpy constraints (cones) are
not priced.

**Result**: the equilibrium is recomputed at the returned leader decision, its prices are the
Result's ``duals``, and each follower's Nash gap f_k(x_k, x_-k) - min_y f_k(y, x_-k) is measured
by solving its problem again: the problems are convex, so each best response is global and the
gap exact. The leader's stationarity is not checked on this path (no KKT system): a claim of local
optimality is at most "feasible".
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.calculus.derivatives import Modes, differentiate

from stackopt.backends.certification.violation import leader_violation
from stackopt.backends.evaluation import nested_values
from stackopt.certificate import (
    FEASIBILITY_TOL,
    SUCCESS,
    Certificate,
    EquilibriumCheck,
    FollowerCheck,
    certifying,
    derive_status,
)
from stackopt.errors import OptionError
from stackopt.messages import then
from stackopt.result import Result
from stackopt.structure import GameStructure

#: cvxpy differentiates through SCS (via diffcp); its default accuracy (1e-4) is far too loose for
#: an equilibrium oracle at the paper's tolerance 1e-6. Not warm-started: SCS started at the
#: previous solve's point stops at once, and the derivative at that point differs by up to 1e-5
#: from a cold solve's, so the answer would depend on the problem's history (a clone's on none).
#: The best-response rounds solve by Clarabel, an interior-point method accurate to about 1e-8
#: (OSQP, cvxpy's default for a QP, stops at 1e-4 and prints on every solve).
_SCS_TIGHT = {"eps_abs": 1e-10, "eps_rel": 1e-10, "max_iters": 200_000, "warm_start": False}
#: rounds without convergence after which the damping alpha halves
DAMP_AFTER = 50
#: the condition number of I - B_x above which the equilibrium's Jacobian is refused as singular
SINGULAR = 1e12


class CvxpyEquilibrium:
    """Best responses, their Jacobians and Nash gaps for the structure's (all cvxpy) followers."""

    def __init__(self, structure: GameStructure, tol: float, max_rounds: int = 500):
        self.parts, self.model = structure.followers, structure.game
        self.leader = structure.leader_vars
        self.x_vars = structure.follower_vars
        self.pos = {id(v): ("pi", i) for i, v in enumerate(self.leader)}
        self.pos |= {id(v): ("x", i) for i, v in enumerate(self.x_vars)}
        bounds = np.cumsum([0] + [len(p.vars) for p in self.parts])
        self.slices = list(zip(bounds[:-1], bounds[1:]))
        self.tol, self.max_rounds = tol, max_rounds

    def _set_parameters(self, k: int, pi: np.ndarray, x: np.ndarray) -> None:
        twin = self.parts[k].cvxpy
        for param in twin.parameters:
            out = []
            for v in twin.pyomo_vars(param, self.model):
                if id(v) not in self.pos:
                    raise OptionError(
                        f"cvxpy Parameter {param.name()} stands for {v.name}, not a game Var"
                    )
                kind, i = self.pos[id(v)]
                out.append(pi[i] if kind == "pi" else x[i])
            param.value = np.reshape(out, param.shape)

    def _respond(self, k: int, pi: np.ndarray, x: np.ndarray, grad: bool = False) -> np.ndarray:
        """Follower k's best response at (pi, x); with ``grad`` ready for ``backward()``."""
        self._set_parameters(k, pi, x)
        twin = self.parts[k].cvxpy
        if grad:
            twin.problem.solve(requires_grad=True, **_SCS_TIGHT)
        else:
            twin.problem.solve(solver="CLARABEL")
        if twin.problem.status not in ("optimal", "optimal_inaccurate"):
            raise RuntimeError(f"cvxpy follower {self.parts[k].name}: {twin.problem.status}")
        return np.concatenate([np.ravel(var.value) for var in twin.decisions.values()])

    def solve(self, pi: np.ndarray, x0: np.ndarray) -> np.ndarray:
        """The equilibrium x*(pi) from x0 by damped Gauss-Seidel rounds (module docstring).

        Raises RuntimeError when a follower's problem fails or the rounds do not settle."""
        x = np.array(x0, float)
        alpha = 1.0
        for r in range(self.max_rounds):
            moved = 0.0
            for k, (a, b) in enumerate(self.slices):
                response = self._respond(k, pi, x)
                moved = max(moved, float(np.abs(response - x[a:b]).max(initial=0.0)))
                x[a:b] += alpha * (response - x[a:b])
            if moved <= self.tol * max(1.0, float(np.abs(x).max(initial=0.0))):
                return x
            if (r + 1) % DAMP_AFTER == 0:
                alpha /= 2
        raise RuntimeError(
            f"cvxpy best responses did not settle in {self.max_rounds} Gauss-Seidel rounds "
            f"(damping down to {alpha:g})"
        )

    def jacobians(self, pi: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(B_x, B_pi): the best responses' Jacobians at (pi, x), row by row by ``backward()``."""
        B_x, B_pi = np.zeros((len(x), len(x))), np.zeros((len(x), len(pi)))
        for k, (a, _) in enumerate(self.slices):
            self._respond(k, pi, x, grad=True)
            twin = self.parts[k].cvxpy
            sizes = [var.size for var in twin.decisions.values()]
            for row in range(sum(sizes)):
                unit, at = np.zeros(sum(sizes)), 0
                unit[row] = 1.0
                for var, size in zip(twin.decisions.values(), sizes):
                    var.gradient = np.reshape(unit[at : at + size], var.shape)
                    at += size
                twin.problem.backward()
                for param in twin.parameters:
                    grads = np.ravel(param.gradient)
                    for v, d in zip(twin.pyomo_vars(param, self.model), grads):
                        kind, i = self.pos[id(v)]
                        (B_pi if kind == "pi" else B_x)[a + row, i] += d
        return B_x, B_pi

    def total_gradient(
        self, pi: np.ndarray, x: np.ndarray, g_x: np.ndarray, g_pi: np.ndarray
    ) -> np.ndarray:
        """g_pi + B_pi^T (I - B_x)^{-T} g_x: the total gradient of phi through x*(pi)."""
        B_x, B_pi = self.jacobians(pi, x)
        system = np.eye(len(x)) - B_x
        w = np.linalg.lstsq(system.T, g_x, rcond=None)[0]
        return g_pi + B_pi.T @ w

    def jacobian(self, pi: np.ndarray, x: np.ndarray) -> np.ndarray:
        """dx*/dpi = (I - B_x)^{-1} B_pi at the equilibrium (pi, x); LinAlgError when I - B_x is
        singular to working precision (condition number above ``SINGULAR``: the equilibrium is
        not isolated)."""
        B_x, B_pi = self.jacobians(pi, x)
        system = np.eye(len(x)) - B_x
        if np.linalg.cond(system) > SINGULAR:
            raise np.linalg.LinAlgError("I - B_x is singular")
        return np.linalg.solve(system, B_pi)

    def prices(
        self, pi: np.ndarray, x: np.ndarray, grad: bool = False
    ) -> dict[str, tuple[float, float]]:
        """(shadow price, slack) of each priced follower constraint entry at (pi, x), by name
        (module docstring); the slack is rhs - lhs at the best response, 0 for an equality.

        With ``grad`` from the SCS solves that cvxpy differentiates: their multiplier and slack
        come from one projection onto the cone, so at most one of them is nonzero where the
        interior-point solves leave both near the square root of their accuracy at a weakly
        active constraint."""
        out: dict[str, tuple[float, float]] = {}
        for k, part in enumerate(self.parts):
            problem = part.cvxpy.problem
            self._respond(k, pi, x, grad)
            sense = 1.0 if problem.objective.NAME == "minimize" else -1.0
            labels = [getattr(c, "label", None) for c in problem.constraints]
            for i, c in enumerate(problem.constraints):
                if type(c).__name__ not in ("Inequality", "Equality") or c.dual_value is None:
                    continue
                label = labels[i]
                named = isinstance(label, str) and label.isidentifier() and labels.count(label) == 1
                name = f"{part.name}.{label if named else f'constraints[{i}]'}"
                lhs, rhs = c.args
                data_first = not lhs.variables() and bool(rhs.variables())
                price = (sense if data_first else -sense) * np.asarray(c.dual_value, float)
                equality = type(c).__name__ == "Equality"
                slack = np.zeros(c.shape) if equality else -np.asarray(c.expr.value, float)
                for index in np.ndindex(c.shape):
                    key = name + (f"[{','.join(map(str, index))}]" if index else "")
                    out[key] = (float(price[index]), float(slack[index]))
        return out

    def check(self, pi: np.ndarray, x: np.ndarray) -> EquilibriumCheck:
        """Each follower's feasibility and exact Nash gap at (pi, x) (its problem solved again)."""
        followers, gaps = [], []
        for k, (a, _) in enumerate(self.slices):
            twin, part = self.parts[k].cvxpy, self.parts[k]
            self._respond(k, pi, x)
            best = float(twin.problem.value)
            at = a
            for var in twin.decisions.values():
                var.value = np.reshape(x[at : at + var.size], var.shape)
                at += var.size
            value = float(twin.problem.objective.value)
            infeasible = max(
                [0.0] + [float(np.max(c.violation())) for c in twin.problem.constraints]
            )
            sign = 1.0 if twin.problem.objective.NAME == "minimize" else -1.0
            gap = sign * (value - best)
            follower = FollowerCheck(
                part.name,
                objective=sign * value,
                infeasibility=infeasible,
                best_response=sign * best,
                gap=gap,
                method="cvxpy (convex: global)",
                exact=True,
            )
            if gap > follower.tolerance():
                follower.message = f"{part.name} gains {gap:.3g} by its best response"
            followers.append(follower)
            gaps.append(gap)
        gap = max(gaps)
        bad = [f for f in followers if f.message or f.infeasibility > FEASIBILITY_TOL]
        message = (bad[0].message or f"{bad[0].name} is infeasible") if bad else ""
        return EquilibriumCheck(not bad, gap, followers, exact=True, message=message)


def leader_cost(structure: GameStructure, pi: np.ndarray, x: np.ndarray):
    """(c, dc/dpi, dc/dx) with c = sign * leader objective at (pi, x) (minimization form)."""
    for v, value in zip(structure.leader_vars + structure.follower_vars, np.concatenate([pi, x])):
        v.set_value(float(value), skip_validation=True)
    wrt = structure.leader_vars + structure.follower_vars
    expr = structure.leader_sign * structure.objective.expr
    grad = np.array(differentiate(expr, wrt_list=wrt, mode=Modes.reverse_numeric), float)
    return float(pyo.value(expr)), grad[: len(pi)], grad[len(pi) :]


def cvxpy_result(
    structure: GameStructure,
    equilibrium: CvxpyEquilibrium,
    pi: np.ndarray,
    x0: np.ndarray,
    *,
    status: str,
    message: str = "",
    reported_objective: float | None = None,
    history: list[dict[str, Any]] | None = None,
    info: dict[str, Any] | None = None,
    if_violated: str = "infeasible",
) -> Result:
    """The certified Result of leader decision ``pi`` against cvxpy followers (module docstring);
    ``status`` is the method's claim."""
    leader = nested_values(structure.leader_vars, pi)
    common: dict[str, Any] = dict(
        reported_objective=reported_objective, history=history or [], info=dict(info or {})
    )
    try:
        x = equilibrium.solve(pi, x0)
        prices = equilibrium.prices(pi, x)
    except RuntimeError as exc:
        why = f"no equilibrium at the returned leader decision: {exc}"
        return Result(status="error", leader=leader, message=then(message, why), **common)
    cost, _, _ = leader_cost(structure, pi, x)
    objective = structure.leader_sign * cost
    values = np.array([pyo.value(c.body) for c in structure.constraints], float)
    lb = np.array([-np.inf if c.lb is None else c.lb for c in structure.constraints], float)
    ub = np.array([np.inf if c.ub is None else c.ub for c in structure.constraints], float)
    violation = leader_violation(_Bounds(structure.leader_vars, lb, ub), values, pi)
    checked = certifying() and status in SUCCESS
    check = equilibrium.check(pi, x) if checked else EquilibriumCheck(True, None)
    certificate = Certificate(
        checked=checked, equilibrium=check, objective=objective, violation=violation, claim=status
    )
    status, why = derive_status(status, certificate, if_violated)
    if why:
        message = then(message, why)
    common["info"]["oracle"] = "cvxpy"
    return Result(
        status=status,
        leader_objective=objective,
        violation=violation,
        leader=leader,
        followers={
            part.name: nested_values(part.vars, x[a:b], relative_to=part.block)
            for part, (a, b) in zip(structure.followers, equilibrium.slices)
        },
        duals={name: price for name, (price, _) in prices.items()},
        message=message,
        certificate=certificate,
        **common,
    )


class _Bounds:
    """The leader's Vars and constraint bounds, as :func:`leader_violation` reads them."""

    def __init__(self, leader_vars, lb: np.ndarray, ub: np.ndarray):
        self.leader_vars, self.leader_lb, self.leader_ub = leader_vars, lb, ub
