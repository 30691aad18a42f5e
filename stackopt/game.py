"""The declarative game model: a leader (the game itself) and its followers (blocks).

A :class:`StackelbergGame` is a Pyomo ``ConcreteModel``. Vars declared directly on it are the leader's
decisions, its single active top-level Objective is the leader's objective and its top-level
Constraints are the leader's constraints. Each :class:`Follower` is a Pyomo ``Block`` whose Vars are
that follower's decisions, with exactly one active Objective and its own Constraints. The followers
play a Nash equilibrium among themselves for every leader decision.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyomo.environ as pyo
from pyomo.core.base.block import BlockData, declare_custom_block


@declare_custom_block(name="Follower")
class FollowerData(BlockData):
    """One follower: a block holding its decisions, its objective and its own constraints."""


if TYPE_CHECKING:  # the decorator above defines the component class Follower in this module
    Follower = pyo.Block


class StackelbergGame(pyo.ConcreteModel):
    """A Stackelberg game with one leader and any number of followers playing Nash.

    Example::

        g = StackelbergGame()
        g.q0 = pyo.Var(bounds=(0, 100))
        g.F1 = Follower()
        g.F1.q = pyo.Var(bounds=(0, None))
        g.F1.cost = pyo.Objective(expr=..., sense=pyo.minimize)
        g.profit = pyo.Objective(expr=..., sense=pyo.maximize)
    """

    def followers(self) -> list[FollowerData]:
        """The followers, in declaration order (each element of an indexed Follower counts)."""
        return [
            b
            for b in self.block_data_objects(active=True, sort=False)
            if isinstance(b, FollowerData)
        ]
