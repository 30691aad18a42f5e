"""``stackopt.dual(c)``: a follower constraint's shadow price, usable in the leader's problem.

The price of constraint c of follower i is d f_i*/d rhs_c, the derivative of the follower's optimal
objective in the constraint's right-hand side, in the sense of f_i's own objective: a market
operator minimizing cost sees a positive price on a demand balance ``supply >= demand``. The
right-hand side is the side without follower Vars, as written: ``supply >= demand``,
``demand <= supply`` and ``supply - demand >= 0`` price the same demand, whether it is a constant
or the leader's decision (Pyomo's own normal form, body - upper <= 0, would flip the sign of the
first two when demand is a Var). It is the
constraint's multiplier in the followers' KKT system (:meth:`stackopt.kkt.KKTSystem.price_terms`,
with the sign made explicit there), so on the MPEC path it is a variable of the single-level
problem, and on the gradient path part of the equilibrium z, differentiated exactly by the implicit
function theorem (BilevelJuMP's ``DualOf``, GAMS EMP's ``dualvar``).

``dual(c)`` returns a placeholder Var (on the block ``stackopt_duals`` of the game) that the KKT
compiler replaces by the multiplier expression; after ``stackopt.solve`` it holds the price at the
returned equilibrium. It may appear only in the leader's objective and constraints.

Example (a generator of capacity 8 and cost 10 offers at price ``bid``; the market operator
dispatches it against a rival of cost 30 and capacity 6 to meet a demand of 10, and the generator
earns the clearing price on its output: withholding, it sets the price itself)::

    import pyomo.environ as pyo
    import stackopt as so

    g = so.StackelbergGame()
    g.bid = pyo.Var(bounds=(0, 100), initialize=10.0)
    g.M = so.Follower()
    g.M.g0 = pyo.Var(bounds=(0, 8), initialize=0.0)  # the strategic generator
    g.M.g1 = pyo.Var(bounds=(0, 6), initialize=0.0)  # the rival
    g.M.cost = pyo.Objective(expr=g.bid * g.M.g0 + 30 * g.M.g1)
    g.M.balance = pyo.Constraint(expr=g.M.g0 + g.M.g1 >= 10)
    g.profit = pyo.Objective(expr=(so.dual(g.M.balance) - 10) * g.M.g0, sense=pyo.maximize)
    res = so.solve(g, method="mpec", strategy="sos1")  # bid = price = 100, g0 = 4: 360
"""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo
from pyomo.core.base.constraint import ConstraintData
from pyomo.core.base.var import VarData

from stackopt.errors import ModelError

DUAL_BLOCK = "stackopt_duals"


def dual(constraint: ConstraintData) -> VarData:
    """The shadow price of follower constraint ``constraint`` (module docstring), as a Pyomo term.

    An indexed constraint is priced per index: ``dual(g.M.balance[t])``.
    """
    if not isinstance(constraint, ConstraintData):
        if isinstance(constraint, pyo.Constraint) and constraint.is_indexed():
            raise ModelError(
                f"stackopt.dual takes one constraint; {constraint.name} is indexed: "
                f"use stackopt.dual({constraint.name}[index])"
            )
        raise ModelError(f"stackopt.dual takes a Pyomo constraint, got {_described(constraint)}")
    game = constraint.model()
    prices = game.component(DUAL_BLOCK)
    if prices is None:
        prices = pyo.Block(concrete=True)
        game.add_component(DUAL_BLOCK, prices)
        prices.price = pyo.Var(pyo.Any, dense=False)
    return prices.price[constraint.name]


def _described(given: Any) -> str:
    """A Pyomo component by its kind and name, an expression by its text, anything else by repr."""
    ctype = getattr(given, "ctype", None)
    if ctype is not None:
        return f"{ctype.__name__} {given.name}"
    if hasattr(given, "is_expression_type"):
        return f"the expression {given}"
    return repr(given)


def placeholder_constraint(var: VarData, game: pyo.Block) -> ConstraintData | None:
    """The constraint a ``dual`` placeholder stands for, or None if ``var`` is no placeholder."""
    prices = game.component(DUAL_BLOCK)
    if prices is None or var.parent_component() is not prices.component("price"):
        return None
    constraint = game.find_component(var.index())
    if not isinstance(constraint, ConstraintData):
        raise ModelError(f"stackopt.dual({var.index()}): no such constraint in {game.name}")
    return constraint
