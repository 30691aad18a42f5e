"""Followers written in cvxpy: a DPP Problem whose Parameters are other players' decisions.

``g.F = cvxpy_follower(problem, decisions={"q": x}, parameters={p: g.q0})`` gives a Follower block
with one Pyomo Var per cvxpy decision Variable (same name, flattened index), so the leader's
objective and constraints can use them. The follower's best response is ``problem``'s solution, and
its derivatives come from cvxpy's own differentiation of the solution map (Agrawal et al. 2019,
"Differentiable convex optimization layers"). Parameters may stand for leader Vars or other
followers' Vars; a cvxpy follower has no Pyomo objective of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyomo.environ as pyo

from stackopt.errors import ModelError
from stackopt.game import Follower, FollowerData


@dataclass
class CvxpyTwin:
    """The cvxpy problem behind a follower, its decisions and what its Parameters stand for."""

    problem: Any
    decisions: dict[str, Any]
    parameters: dict[Any, Any]  # cvxpy Parameter -> Pyomo Var, IndexedVar, or its name

    def pyomo_vars(self, param, model) -> list:
        """The Pyomo VarData a Parameter stands for, in cvxpy's flattening order (C order)."""
        target = self.parameters[param]
        if isinstance(target, str):
            found = model.find_component(target)
            if found is None:
                raise ModelError(
                    f"cvxpy Parameter {param.name()} stands for {target!r}, which the game lacks"
                )
            target = found
        out = list(target.values()) if target.is_indexed() else [target]
        if len(out) != param.size:
            raise ModelError(
                f"cvxpy follower: Parameter {param.name()} has size {param.size} but Var "
                f"{target.name} has {len(out)}"
            )
        return out


def cvxpy_follower(
    problem: Any, decisions: dict[str, Any], parameters: dict[Any, Any]
) -> FollowerData:
    """A Follower block whose best response is the solution of the DPP cvxpy ``problem``.

    The block gets one Pyomo Var per cvxpy decision Variable (same name; a vector Variable gives a
    Var indexed 0..size-1), so the leader's objective and constraints can use them. The follower's
    best response is ``problem``'s solution at the current values of the Vars its Parameters stand
    for, and its derivatives come from cvxpy's differentiation of the solution map (Agrawal et al.
    2019, "Differentiable convex optimization layers"). Games with cvxpy followers are solved by
    ``method="gradient"``; every follower must then be a cvxpy follower.

    Parameters
    ----------
    problem : cvxpy.Problem
        The follower's convex problem, DPP-compliant (``problem.is_dpp()``), in its own sense.
    decisions : dict
        Name -> cvxpy Variable: the follower's decisions, named as the block's Vars.
    parameters : dict
        cvxpy Parameter -> what it stands for: a leader Var (or IndexedVar), or the name of another
        follower's Var (``"F1.q"``), looked up when the game is solved.

    Returns
    -------
    FollowerData
        The block, to assign to the game: ``g.F = so.cvxpy_follower(problem, {"q": q}, {p: g.q0})``.

    Raises
    ------
    ModelError
        If ``problem`` is not DPP or one of its Parameters is not mapped to a Var.
    """
    if not problem.is_dpp():
        raise ModelError(
            "the cvxpy follower's problem is not DPP, so cvxpy cannot differentiate it"
        )
    missing = [p.name() for p in problem.parameters() if p not in parameters]
    if missing:
        raise ModelError(f"cvxpy follower: Parameter(s) {missing} are not mapped to a Pyomo Var")
    block = Follower()
    for name, var in decisions.items():
        block.add_component(
            name, pyo.Var() if var.size == 1 and var.ndim == 0 else pyo.Var(range(var.size))
        )
    block.cvxpy_twin = CvxpyTwin(problem, dict(decisions), dict(parameters))
    return block
