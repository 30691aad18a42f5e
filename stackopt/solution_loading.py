"""Results back in the model, as Pyomo's solvers do: ``solve`` loads the returned point.

After ``stackopt.solve(g, ...)`` the leader's and the followers' Vars hold the returned point (the
leader decision and the equilibrium recomputed for it), each follower constraint's shadow price is
in the IMPORT Suffix ``g.dual`` (created if missing; :attr:`Result.duals` gives the sign), and
each ``stackopt.dual(c)`` term holds c's price, so ``pyo.value(g.profit)`` is the leader's
objective. A Result without such a point (status "error" or "infeasible", or no recomputed
equilibrium) loads nothing; ``solve(..., load_solution=False)`` opts out.

Example::

    res = so.solve(g, method="mpec")
    pyo.value(g.q0), g.dual[g.F.cap]        # the leader's decision, a follower's multiplier
"""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo

from stackopt.follower_dual import DUAL_BLOCK
from stackopt.game import StackelbergGame
from stackopt.result import Result


def has_point(result: Result) -> bool:
    """Whether ``result`` holds a point evaluated at a recomputed equilibrium worth loading."""
    return (
        result.status not in ("error", "infeasible")
        and result.leader_objective is not None
        and bool(result.followers)
    )


def set_values(block: pyo.Block, values: dict[str, Any]) -> None:
    """Set the Vars of ``block`` from a Result-shaped {name: value or {index: value}} map."""
    for name, value in values.items():
        var = block.find_component(name)
        if isinstance(value, dict):
            for index, v in value.items():
                var[index].set_value(v, skip_validation=True)
        else:
            var.set_value(value, skip_validation=True)


def load_solution(game: Any, result: Result) -> bool:
    """Load ``result``'s point into ``game`` (module docstring); True if something was loaded."""
    if not isinstance(game, StackelbergGame) or not has_point(result):
        return False
    set_values(game, result.leader)
    for follower, values in result.followers.items():
        set_values(game.find_component(follower), values)
    suffix = game.component("dual")
    if suffix is None:
        game.dual = suffix = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    if isinstance(suffix, pyo.Suffix):
        for name, price in result.duals.items():
            constraint = game.find_component(name)  # None for a non-variational shared copy
            if constraint is not None:
                suffix[constraint] = price
    else:
        result.warnings.append(
            f"the game's component 'dual' is a {type(suffix).__name__}, not a Suffix: the "
            "follower multipliers are in res.duals only"
        )
    prices = game.component(DUAL_BLOCK)
    if prices is not None:
        for name, var in prices.price.items():
            if name in result.duals:
                var.set_value(result.duals[name], skip_validation=True)
    return True
