"""Results back in the model, as Pyomo's solvers do: ``solve`` loads the returned point.

After ``stackopt.solve(g, ...)`` the leader's and the followers' Vars hold the returned point (the
leader decision and the equilibrium recomputed for it), each follower constraint's shadow price is
in the IMPORT Suffix ``g.dual`` (created if missing; :attr:`Result.duals` gives the sign, and the
least-norm multipliers where they are not unique), and
each ``stackopt.dual(c)`` term holds c's price, so ``pyo.value(g.profit)`` is the leader's
objective. A Result without such a point (status "error" or "infeasible", or no recomputed
equilibrium) loads nothing; ``solve(..., load_solution=False)`` opts out.

Example::

    res = so.solve(g, method="mpec")
    pyo.value(g.q0), g.dual[g.F.cap]        # the leader's decision, a follower's multiplier
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pyomo.environ as pyo
from pyomo.core.base.block import BlockData

from stackopt.errors import ModelError
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
    """Set the Vars of ``block`` from a Result-shaped {name: value or {index: value}} map; a
    ModelError where ``block`` has no such Var (another game's Result)."""
    for name, value in values.items():
        var = block.find_component(name)
        if not isinstance(var, pyo.Var):
            raise ModelError(
                f"the Result names {name!r}, which is no Var of {block.name}: is it this game's "
                "Result?"
            )
        if isinstance(value, dict):
            for index, v in value.items():
                var[index].set_value(v, skip_validation=True)
        else:
            var.set_value(value, skip_validation=True)


def follower_block(game: pyo.Block, name: str) -> pyo.Block:
    """The follower block ``name`` of ``game`` (a Result's ``followers`` key); a ModelError where
    the game has none (another game's Result)."""
    block = game.find_component(name)
    if not isinstance(block, BlockData):
        raise ModelError(
            f"the Result names the follower {name!r}, which is no follower block of {game.name}: "
            "is it this game's Result?"
        )
    return block


def set_point(game: pyo.Block, result: Result) -> None:
    """Set the leader's and the followers' Vars of ``game`` to ``result``'s point."""
    set_values(game, result.leader)
    for follower, values in result.followers.items():
        set_values(follower_block(game, follower), values)


@contextmanager
def values_kept(game: Any) -> Iterator[None]:
    """Every Var of ``game`` at its value from before the block, whatever a method set inside
    it (``solve(..., load_solution=False)``: some methods evaluate on the game's own Vars)."""
    if not isinstance(game, StackelbergGame):
        yield
        return
    kept = [(v, v.value) for v in game.component_data_objects(pyo.Var)]
    try:
        yield
    finally:
        for v, value in kept:
            v.set_value(value, skip_validation=True)


def load_solution(game: Any, result: Result) -> bool:
    """Load ``result``'s point into ``game`` (module docstring); True if something was loaded."""
    if not isinstance(game, StackelbergGame) or not has_point(result):
        return False
    set_point(game, result)
    suffix = game.component("dual")
    if suffix is None:
        game.dual = suffix = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    if isinstance(suffix, pyo.Suffix):
        suffix.clear()  # as Pyomo's solvers do: no price of an earlier solve stays
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
