"""Honest evaluation: every method's leader decision is judged at a recomputed equilibrium.

For the returned leader decision pi the followers' equilibrium is recomputed by the ``kkt`` oracle
(semismooth Newton from the method's own follower point, rescued by Ipopt), and
the leader's objective and constraint violation are evaluated there. The method's own belief stays
in ``reported_objective``. If no equilibrium can be recomputed the Result says so (status "error"),
and no objective is made up. A method's claim of success (optimal, locally optimal, feasible) is
checked the same way: a decision whose recomputed violation exceeds ``FEASIBILITY_TOL`` takes the
status the method names for that case ("infeasible" unless it says otherwise), and the message
says why.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from stackopt.backends.oracles.base import Equilibrium
from stackopt.backends.oracles.kkt import KKTOracle
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.result import SUCCESS, Result

EQUILIBRIUM_TOL = 1e-6
#: the largest violation of the leader's constraints, at the recomputed equilibrium, of a decision
#: that counts as feasible (the violation target of Wang et al. 2022's experiments)
FEASIBILITY_TOL = 1e-3


def recompute_equilibrium(
    game: StackelbergGame,
    evaluator: KKTEvaluator,
    pi: np.ndarray,
    z_guess: np.ndarray,
    tol: float = EQUILIBRIUM_TOL,
) -> Equilibrium:
    """The followers' equilibrium at ``pi``, found from ``z_guess`` by the ``kkt`` oracle."""
    return KKTOracle(game, evaluator, tol)(pi, z_guess)


def leader_violation(
    evaluator: KKTEvaluator, constraint_values: np.ndarray, pi: np.ndarray
) -> float:
    """max(0, lb - G, G - ub) over the leader's constraints and its Vars' bounds."""
    parts = [0.0]
    with np.errstate(invalid="ignore"):
        parts += list(np.nan_to_num(evaluator.leader_lb - constraint_values, nan=0.0, neginf=0.0))
        parts += list(np.nan_to_num(constraint_values - evaluator.leader_ub, nan=0.0, neginf=0.0))
    for v, value in zip(evaluator.leader_vars, pi):
        if v.lb is not None:
            parts.append(v.lb - value)
        if v.ub is not None:
            parts.append(value - v.ub)
    return float(max(parts))


def nested_values(vars_, values, relative_to=None) -> dict[str, Any]:
    """{name: value} for scalar Vars and {name: {index: value}} for indexed ones."""
    out: dict[str, Any] = {}
    for v, value in zip(vars_, values):
        comp = v.parent_component()
        key = comp.getname(fully_qualified=True, relative_to=relative_to)
        if comp.is_indexed():
            out.setdefault(key, {})[v.index()] = float(value)
        else:
            out[key] = float(value)
    return out


def honest_result(
    game: StackelbergGame,
    evaluator: KKTEvaluator,
    *,
    status: str,
    values: dict[str, float],
    reported_objective: float | None,
    message: str = "",
    history: list[dict[str, Any]] | None = None,
    info: dict[str, Any] | None = None,
    warnings: list[str] | None = None,
    if_violated: str = "infeasible",
) -> Result:
    """Build the Result for leader decision ``values`` (a name -> value map) honestly.

    ``status`` is the method's claim; a claimed success whose recomputed violation exceeds
    ``FEASIBILITY_TOL`` becomes ``if_violated``.
    """
    info = dict(info or {})
    history = history or []
    if any(n not in values for n in evaluator.leader_names):
        return Result(
            status="error" if status not in ("infeasible", "time_limit") else status,
            reported_objective=reported_objective,
            message=message or "the method returned no leader decision",
            history=history,
            info=info,
            warnings=list(warnings or []),
        )
    z0, pi = evaluator.values_of(values)
    eq = recompute_equilibrium(game, evaluator, pi, z0)
    info.update(equilibrium_residual=eq.residual, equilibrium_oracle=eq.oracle)
    leader = nested_values(evaluator.leader_vars, pi)
    if not eq.converged:
        return Result(
            status="error",
            reported_objective=reported_objective,
            leader=leader,
            message=(f"{message}; " if message else "")
            + f"no follower equilibrium could be recomputed at the returned leader decision "
            f"(KKT residual {eq.residual:.2e}: {eq.message})",
            history=history,
            info=info,
            warnings=list(warnings or []),
        )
    ev = evaluator.evaluate(eq.z, pi, derivatives=False)
    followers = {
        part.name: nested_values(part.vars, eq.z[start:stop], relative_to=part.block)
        for part, (start, stop) in zip(evaluator.kkt.structure.followers, evaluator.follower_slices)
    }
    violation = leader_violation(evaluator, ev.constraint_values, pi)
    if status in SUCCESS and violation > FEASIBILITY_TOL:
        message = (f"{message}; " if message else "") + (
            f"the leader's constraints are violated by {violation:.2e} > {FEASIBILITY_TOL:g} at "
            f"the recomputed equilibrium (the method claimed {status})"
        )
        status = if_violated
    return Result(
        status=status,
        leader_objective=evaluator.leader_sign * ev.leader_cost,
        reported_objective=reported_objective,
        violation=violation,
        leader=leader,
        followers=followers,
        duals=evaluator.kkt.duals(eq.z),
        history=history,
        message=message,
        info=info,
        warnings=list(warnings or []),
    )
