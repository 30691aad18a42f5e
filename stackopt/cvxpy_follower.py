"""Followers written in cvxpy: a DPP Problem whose Parameters are other players' decisions.

``g.F = cvxpy_follower(problem, decisions={"q": x}, parameters={p: g.q0})`` gives a Follower block
with one Pyomo Var per cvxpy decision Variable (same name, flattened index), so the leader's
objective and constraints can use them. The follower's best response is ``problem``'s solution, and
its derivatives come from cvxpy's own differentiation of the solution map (Agrawal et al. 2019,
"Differentiable convex optimization layers"). Parameters may stand for leader Vars, other
followers' Vars or other cvxpy followers' decision Variables; a cvxpy follower has no Pyomo
objective of its own.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pyomo.environ as pyo
from pyomo.core.base.component import ComponentBase

from stackopt.errors import ModelError
from stackopt.game import Follower, FollowerData


@dataclass
class CvxpyTwin:
    """The cvxpy problem behind a follower, its decisions and what its Parameters stand for."""

    problem: Any
    decisions: dict[str, Any]
    #: cvxpy Parameter -> a Pyomo Var (scalar or indexed) or another cvxpy follower's decision
    #: Variable
    parameters: dict[Any, Any]

    def __deepcopy__(self, memo: dict) -> CvxpyTwin:
        """A copy on a Problem of its own, rebuilt with fresh Variables and Parameters (cvxpy's
        ``tree_copy``): a solved Problem keeps the solver's compiled data, and each leaf its
        canonical form under its id, which a plain deepcopy would carry over. Within
        ``game.clone()`` the memo maps each Pyomo Var to the clone's, and a decision Variable that
        several cvxpy followers see to one copy, whichever twin is copied first."""
        problem = self.problem
        leaves = [*problem.variables(), *problem.parameters(), *self.decisions.values()]
        leaves += [t for t in self.parameters.values() if not isinstance(t, ComponentBase)]
        copies: dict[int, Any] = {}
        # in the order they were made (cvxpy's ids): a Variable's bounds use older Parameters
        for leaf in sorted(leaves, key=lambda leaf: leaf.id):
            if id(leaf) not in memo:
                memo[id(leaf)] = _fresh_leaf(leaf, copies)
            copies[id(leaf)] = memo[id(leaf)]
        constraints = []
        for c in problem.constraints:
            constraints.append(c.tree_copy(copies))
            if getattr(c, "label", None) is not None:
                constraints[-1].label = c.label
        twin = CvxpyTwin(
            type(problem)(problem.objective.tree_copy(copies), constraints),
            copy.deepcopy(self.decisions, memo),
            copy.deepcopy(self.parameters, memo),
        )
        memo[id(self)] = twin
        return twin

    def __getstate__(self) -> dict[str, Any]:
        """The state to pickle, with ``problem`` rebuilt on the same expression trees: a solved
        Problem keeps the solver's compiled data (Clarabel's solver object, diffcp's derivative
        caches), which does not pickle; cvxpy compiles again at the next solve."""
        state = dict(vars(self))
        state["problem"] = type(self.problem)(self.problem.objective, self.problem.constraints)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore the pickled state and move cvxpy's id counter past every id of its leaves, so
        that leaves made afterwards in this process never share an id with them (cvxpy keys a
        problem's variables and parameters by id)."""
        from cvxpy.lin_ops.lin_utils import ID_COUNTER

        vars(self).update(state)
        leaves = [*self.problem.variables(), *self.problem.parameters()]
        leaves += [*self.decisions.values()]
        leaves += [t for t in self.parameters.values() if not isinstance(t, ComponentBase)]
        ID_COUNTER.count = max([ID_COUNTER.count, *(leaf.id + 1 for leaf in leaves)])

    def pyomo_vars(self, param, model) -> list:
        """The Pyomo VarData a Parameter stands for, in cvxpy's flattening order (C order)."""
        target = self.parameters[param]
        if not isinstance(target, ComponentBase):  # another cvxpy follower's decision Variable
            target = _decision_var(target, model, param)
        out = list(target.values()) if target.is_indexed() else [target]
        if len(out) != param.size:
            raise ModelError(
                f"cvxpy follower: Parameter {param.name()} has size {param.size} but Var "
                f"{target.name} has {len(out)}"
            )
        return out


def _fresh_leaf(leaf: Any, copies: dict[int, Any]) -> Any:
    """A new cvxpy Variable or Parameter with ``leaf``'s shape, name, attributes and value; bounds
    that are expressions (of Parameters) are rebuilt on the ``copies`` of their leaves."""
    attributes = dict(leaf.attributes)
    if attributes.get("bounds") is not None:
        attributes["bounds"] = [
            b.tree_copy(copies) if hasattr(b, "tree_copy") else b for b in attributes["bounds"]
        ]
    new = type(leaf)(leaf.shape, name=leaf.name(), **attributes)
    if leaf.value is not None:
        new.value = leaf.value
    return new


def _decision_var(variable, model, param) -> ComponentBase:
    """The Pyomo Var of the cvxpy follower of ``model`` that declares ``variable`` a decision."""
    for block in model.followers():
        twin = getattr(block, "cvxpy_twin", None)
        for name, decision in twin.decisions.items() if twin is not None else ():
            if decision is variable:
                return block.component(name)
    raise ModelError(
        f"cvxpy Parameter {param.name()} stands for {variable!r}, which is neither a Pyomo Var "
        "nor a decision of a cvxpy follower of this game"
    )


def cvxpy_follower(
    problem: Any, decisions: dict[str, Any], parameters: dict[Any, Any]
) -> FollowerData:
    """A Follower block whose best response is the solution of the DPP cvxpy ``problem``.

    The block gets one Pyomo Var per cvxpy decision Variable (same name; a vector Variable gives a
    Var indexed 0..size-1), so the leader's objective and constraints can use them. The follower's
    best response is ``problem``'s solution at the current values of the Vars its Parameters stand
    for, and its derivatives come from cvxpy's differentiation of the solution map (Agrawal et al.
    2019, "Differentiable convex optimization layers"). Games with cvxpy followers are solved by
    ``method="gradient"`` or the baselines ``initial``, ``slsqp`` and ``trust-constr``; every
    follower must then be a cvxpy follower.

    Parameters
    ----------
    problem : cvxpy.Problem
        The follower's convex problem, DPP-compliant (``problem.is_dpp()``), in its own sense.
    decisions : dict
        Name -> cvxpy Variable: the follower's decisions, named as the block's Vars.
    parameters : dict
        cvxpy Parameter -> what it stands for: a leader Var (or IndexedVar), another follower's Var,
        or another cvxpy follower's decision Variable (its Pyomo Var need not exist yet: followers
        that see each other are built in any order).

    Returns
    -------
    FollowerData
        The block, to assign to the game: ``g.F = so.cvxpy_follower(problem, {"q": q}, {p: g.q0})``.

    Raises
    ------
    ModelError
        If ``problem`` is not DPP or one of its Parameters is not mapped to a Var.

    Examples
    --------
    Two cvxpy followers in Cournot competition, each seeing the other's decision Variable
    (inverse demand 100 - total, unit cost 10): the leader's optimum is q0 = 45, with q = 15 each.

    >>> import cvxpy as cp
    >>> import pyomo.environ as pyo
    >>> import stackopt as so
    >>> g = so.StackelbergGame()
    >>> g.q0 = pyo.Var(bounds=(0, 100), initialize=0.0)
    >>> q = [cp.Variable(), cp.Variable()]
    >>> for i in range(2):
    ...     leader, other = cp.Parameter(), cp.Parameter()
    ...     profit = cp.Maximize((90 - leader - other) * q[i] - cp.square(q[i]))
    ...     follower = so.cvxpy_follower(
    ...         cp.Problem(profit, [q[i] >= 0]), {"q": q[i]}, {leader: g.q0, other: q[1 - i]}
    ...     )
    ...     g.add_component(f"F{i}", follower)
    >>> g.profit = pyo.Objective(expr=(90 - g.q0 - g.F0.q - g.F1.q) * g.q0, sense=pyo.maximize)
    >>> res = so.solve(g, method="gradient")
    >>> round(res.leader["q0"], 3), round(res.followers["F0"]["q"], 3), res.success
    (45.0, 15.0, True)
    """
    if not problem.is_dpp():
        raise ModelError(
            "the cvxpy follower's problem is not DPP, so cvxpy cannot differentiate it"
        )
    named = [p.name() for p, target in parameters.items() if isinstance(target, str)]
    if named:
        raise ModelError(
            f"cvxpy follower: Parameter(s) {named} stand for a name; pass the Var itself (g.F1.q) "
            "or the other cvxpy follower's decision Variable"
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
