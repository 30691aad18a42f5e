"""Read a :class:`StackelbergGame` into its parts, checking the modelling rules.

Who owns a Var: a Var declared on a :class:`Follower` (or a block inside it, deactivated or not:
deactivation switches off constraints and objectives, never Vars) is that follower's decision; a
Var declared directly on the game is a leader decision; any other Var used by the model is owned
by nobody and rejected. A follower's Var that appears in neither its objective nor its
constraints leaves that follower indifferent: every value within its bounds is a best response,
and under the optimistic convention of the bilevel problem the leader picks it, so it is counted
among the leader's decisions (after the game's own, in ``leader_vars`` and ``Result.leader``,
under its full name such as ``"F.y"``); the other followers take it as a parameter. Fixed Vars
are constants; a constraint with no free Var is left out where it holds and refused where it is
violated. Every violation raises :class:`stackopt.ModelError` naming the offending component,
before any solver runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyomo.environ as pyo
from pyomo.core.base.block import BlockData
from pyomo.core.base.constraint import ConstraintData
from pyomo.core.base.objective import ObjectiveData
from pyomo.core.base.var import VarData
from pyomo.core.expr.numeric_expr import (
    AbsExpression,
    Expr_ifExpression,
    PowExpression,
    ProductExpression,
    UnaryFunctionExpression,
)
from pyomo.core.expr.numvalue import is_constant, is_potentially_variable
from pyomo.core.expr.relational_expr import RangedExpression
from pyomo.core.expr.visitor import identify_variables
from pyomo.mpec import Complementarity

from stackopt.errors import ModelError
from stackopt.finite_data import check_finite_data
from stackopt.follower_dual import placeholder_constraint
from stackopt.game import FollowerData, StackelbergGame
from stackopt.shared_constraint import is_shared

_NONSMOOTH_FUNCTIONS = {"floor", "ceil"}
#: the game's names that Pyomo's solver interfaces read as Suffixes, with what each holds
RESERVED_SUFFIXES = {
    "dual": "the Suffix of the followers' prices (g.dual, filled by so.solve as by a Pyomo solve)",
    "rc": "the Suffix of reduced costs that Pyomo's solver interfaces fill",
}
#: how far a constant constraint may miss its bounds and still hold (Pyomo's writers' ``TOL``)
CONSTANT_ROW_TOL = 1e-8


@dataclass
class FollowerPart:
    """One follower: its decisions, its objective as a minimisation (``sign * objective``)."""

    name: str
    block: FollowerData
    vars: list[VarData]
    objective: ObjectiveData
    sign: float  # +1 for minimize, -1 for maximize: the follower minimizes sign * objective
    constraints: list[ConstraintData]
    #: for a follower written in cvxpy (:mod:`stackopt.cvxpy_follower`), its problem; else None
    cvxpy: Any = None


@dataclass
class SharedPart:
    """A constraint of a :class:`stackopt.SharedConstraint`, binding ``followers`` (indices into
    the structure's followers, in order) with Rosen weights ``weights`` (all 1: variational)."""

    constraint: ConstraintData
    followers: list[int]
    weights: list[float]
    #: False: a copy of the constraint, with its own multiplier, in each bound follower's problem
    variational: bool = True


@dataclass
class DualRef:
    """A ``stackopt.dual(constraint)`` placeholder ``var`` used in the leader's functions."""

    var: VarData
    constraint: ConstraintData


@dataclass
class GameStructure:
    """The parts of a game: leader decisions, objective, constraints, and the followers.

    ``shared`` lists the shared constraints with the followers each binds; ``duals`` the follower
    prices the leader uses.
    """

    game: StackelbergGame
    leader_vars: list[VarData]
    objective: ObjectiveData
    constraints: list[ConstraintData]
    followers: list[FollowerPart]
    shared: list[SharedPart] = field(default_factory=list)
    duals: list[DualRef] = field(default_factory=list)

    @property
    def follower_vars(self) -> list[VarData]:
        """All followers' decisions, stacked in follower order."""
        return [v for f in self.followers for v in f.vars]

    @property
    def leader_sign(self) -> float:
        """+1 if the leader minimizes, -1 if it maximizes."""
        return 1.0 if self.objective.sense == pyo.minimize else -1.0


def _owner(block, followers: set[int]) -> FollowerData | None:
    """The follower whose block (or a block within it) is ``block``, else None."""
    while block is not None:
        if id(block) in followers:
            return block
        block = block.parent_block()
    return None


def held_vars(block: BlockData) -> list[VarData]:
    """Every Var that ``block`` or a block within it declares, active or not: deactivating a
    block switches off its constraints and objectives, never its Vars (as in Pyomo's writers),
    so a Var of a deactivated sub-block that an active function uses is still a decision."""
    return list(block.component_data_objects(pyo.Var, descend_into=True))


def _expression_nodes(expr):
    stack = [expr]
    while stack:
        node = stack.pop()
        if hasattr(node, "is_expression_type") and node.is_expression_type():
            yield node
            stack.extend(node.args)


def _is_square(node) -> bool:
    """u**2 or u*u."""
    if isinstance(node, PowExpression):
        return is_constant(node.args[1]) and pyo.value(node.args[1]) == 2
    return isinstance(node, ProductExpression) and node.args[0] is node.args[1]


def _is_abs_of_square(node) -> bool:
    """sqrt(u**2) or (u**2)**0.5 (with u*u for u**2): abs(u) written another way."""
    if isinstance(node, UnaryFunctionExpression) and node.getname() == "sqrt":
        return _is_square(node.args[0])
    if isinstance(node, PowExpression) and is_constant(node.args[1]):
        return pyo.value(node.args[1]) == 0.5 and _is_square(node.args[0])
    return False


def _check_smooth(component, expr) -> None:
    for node in _expression_nodes(expr):
        bad = None
        if isinstance(node, AbsExpression):
            bad = "abs()"
        elif isinstance(node, Expr_ifExpression):
            bad = "Expr_if()"
        elif isinstance(node, UnaryFunctionExpression) and node.getname() in _NONSMOOTH_FUNCTIONS:
            bad = f"{node.getname()}()"
        elif _is_abs_of_square(node):
            bad = "sqrt(u**2) (that is abs(u))"
        if bad:
            raise ModelError(
                f"{component.name} uses {bad}, which is not twice differentiable; "
                "reformulate it smoothly (e.g. with an auxiliary Var and constraints)"
            )


def _inactive_follower(block: BlockData | None) -> FollowerData | None:
    """The deactivated Follower that ``block`` is or lies in, if any."""
    while block is not None:
        if isinstance(block, FollowerData) and not block.active:
            return block
        block = block.parent_block()
    return None


def analyze(game: StackelbergGame, integer_followers: bool = False) -> GameStructure:
    """Split ``game`` into leader and followers and check every modelling rule (DESIGN.md).

    ``integer_followers``: admit integer follower decisions (for the methods that do not go
    through the followers' KKT conditions, :mod:`stackopt.backends.value_function`)."""
    check_data(game)
    for comp in game.component_data_objects(Complementarity, active=True, descend_into=True):
        raise ModelError(
            f"Complementarity {comp.name} is not supported in a StackelbergGame: stackopt derives "
            "the followers' complementarity conditions itself; model the follower as an "
            "optimization problem instead"
        )
    constant = _constant_constraints(game)
    follower_blocks = game.followers()
    if not follower_blocks:
        raise ModelError(
            f"game {game.name!r} has no Follower; add one with g.F = stackopt.Follower()"
        )
    ids = {id(b) for b in follower_blocks}
    for b in follower_blocks:
        outer = _owner(b.parent_block(), ids)
        if outer is not None:
            raise ModelError(f"Follower {b.name} is nested inside Follower {outer.name}")

    leader_objs: list[ObjectiveData] = []
    by_follower_objs: dict[int, list[ObjectiveData]] = {id(b): [] for b in follower_blocks}
    for obj in game.component_data_objects(pyo.Objective, active=True, descend_into=True):
        owner = _owner(obj.parent_block(), ids)
        (by_follower_objs[id(owner)] if owner is not None else leader_objs).append(obj)
    if len(leader_objs) != 1:
        found = ", ".join(o.name for o in leader_objs) or "none"
        raise ModelError(
            f"the leader needs exactly one active top-level Objective; found {len(leader_objs)} "
            f"({found})"
        )
    if not is_potentially_variable(leader_objs[0].expr):
        raise ModelError(
            f"the leader's Objective {leader_objs[0].name} is a constant "
            f"({pyo.value(leader_objs[0].expr, exception=False)}): the reformulations and "
            "the certificate read the leader's cost as a function of the game's Vars; for a "
            "feasibility question write it in one (0 * x)"
        )

    prices: dict[int, DualRef] = {}

    def owner_of(var: VarData, component, leader_side: bool = False) -> FollowerData | str:
        """The follower owning ``var``, "leader", or "price" for a ``stackopt.dual`` term."""
        price = placeholder_constraint(var, game)
        if price is not None:
            if not leader_side:
                raise ModelError(
                    f"{component.name} uses stackopt.dual({price.name}); a follower's price may "
                    "appear only in the leader's objective and constraints"
                )
            prices.setdefault(id(var), DualRef(var, price))
            return "price"
        if var.model() is not game:
            foreign = placeholder_constraint(var, var.model())
            if foreign is not None:
                raise ModelError(
                    f"stackopt.dual({foreign.name}): {foreign.name} is not a constraint of this "
                    f"game (it belongs to model {var.model().name!r}); price a constraint of "
                    "one of the game's followers"
                )
            raise ModelError(
                f"{component.name} uses Var {var.name!r}, which is owned by nobody: it belongs to "
                "another model; declare it on the game (leader) or on a Follower"
            )
        owner = _owner(var.parent_block(), ids)
        inactive = _inactive_follower(var.parent_block())
        if owner is None and inactive is not None:
            raise ModelError(
                f"{component.name} uses Var {var.name!r} of Follower {inactive.name}, which is "
                "deactivated: fix the Var to keep it as data, or activate the follower"
            )
        if owner is None and var.parent_block() is not game:
            raise ModelError(
                f"{component.name} uses Var {var.name!r}, which is owned by nobody: it is declared "
                f"on block {var.parent_block().name!r}, which is neither the game nor a Follower"
            )
        return owner if owner is not None else "leader"

    leader_vars: dict[int, VarData] = {}
    indifferent: list[VarData] = []  # follower Vars in neither its objective nor its constraints
    followers: list[FollowerPart] = []
    for b in follower_blocks:
        objs = by_follower_objs[id(b)]
        twin = getattr(b, "cvxpy_twin", None)
        if twin is not None:
            if objs:
                raise ModelError(
                    f"Follower {b.name} is given in cvxpy and must not have a Pyomo Objective"
                )
            own = [v for name in twin.decisions for v in b.component(name).values()]
            followers.append(FollowerPart(b.name, b, own, None, 1.0, [], twin))
            continue
        if len(objs) != 1:
            found = ", ".join(o.name for o in objs) or "none"
            raise ModelError(
                f"Follower {b.name} needs exactly one active Objective; found {len(objs)} ({found})"
            )
        cons = [
            c
            for c in b.component_data_objects(pyo.Constraint, active=True, descend_into=True)
            if id(c) not in constant
        ]
        for c in cons:
            if is_shared(c):
                raise ModelError(
                    f"SharedConstraint {c.name} is declared inside Follower {b.name}; declare it "
                    "on the game itself"
                )
        used: set[int] = set()
        for comp in [objs[0], *cons]:
            expr = comp.expr
            _check_smooth(comp, expr)
            owners = [(v, owner_of(v, comp)) for v in identify_variables(expr, include_fixed=False)]
            if comp is not objs[0] and not any(user is b for _, user in owners):
                raise ModelError(
                    f"constraint {comp.name} of Follower {b.name} uses none of {b.name}'s own "
                    "Vars: it constrains the leader's decision alone, and belongs on the game "
                    "(a leader constraint), where every method keeps it"
                )
            for v, user in owners:
                if user == "leader":
                    leader_vars.setdefault(id(v), v)
                elif user is b:
                    used.add(id(v))
                elif comp is not objs[0]:
                    assert not isinstance(user, str)  # "price" raised: not the leader's side
                    raise ModelError(
                        f"constraint {comp.name} of Follower {b.name} uses Var {v.name!r} of "
                        f"Follower {user.name}; a follower's constraints may use only its own "
                        "Vars and the leader's: declare a constraint shared by several followers "
                        "on the game as stackopt.SharedConstraint"
                    )
        unfixed = [v for v in held_vars(b) if not v.fixed]
        own = [v for v in unfixed if id(v) in used]
        indifferent += [v for v in unfixed if id(v) not in used]
        if not own:
            raise ModelError(
                f"Follower {b.name} decides nothing: none of its (unfixed) Vars appears in its "
                "objective or its constraints"
            )
        for v in unfixed:
            if not (v.is_continuous() or integer_followers):
                raise ModelError(
                    f"Var {v.name} of Follower {b.name} is {v.domain.name}; follower decisions "
                    "must be continuous for the KKT conditions to hold (method='value-function' "
                    "solves mixed-integer linear followers)"
                )
        sign = 1.0 if objs[0].sense == pyo.minimize else -1.0
        followers.append(FollowerPart(b.name, b, own, objs[0], sign, cons))

    top = [
        c
        for c in game.component_data_objects(pyo.Constraint, active=True, descend_into=True)
        if _owner(c.parent_block(), ids) is None and id(c) not in constant
    ]
    leader_cons = [c for c in top if not is_shared(c)]
    for comp in [leader_objs[0], *leader_cons]:
        _check_smooth(comp, comp.expr)
        for v in identify_variables(comp.expr, include_fixed=False):
            if owner_of(v, comp, leader_side=True) == "leader":
                leader_vars.setdefault(id(v), v)
    _check_all_or_no_cvxpy(followers)
    shared = [_shared_part(c, followers, owner_of, leader_vars) for c in top if is_shared(c)]
    _check_prices(list(prices.values()), followers, shared)
    for v in game.component_data_objects(pyo.Var, descend_into=False):
        if not v.fixed:
            leader_vars.setdefault(id(v), v)
    ordered = [
        v for v in game.component_data_objects(pyo.Var, descend_into=False) if id(v) in leader_vars
    ]
    ordered += indifferent
    return GameStructure(
        game, ordered, leader_objs[0], leader_cons, followers, shared, list(prices.values())
    )


def check_data(game: StackelbergGame) -> None:
    """The checks that come before anything reads the game's numbers (:func:`analyze`'s first,
    and ``stackopt.solve``'s before its infeasibility proof): ``game`` is a StackelbergGame, its
    reserved names are Suffixes, no ranged constraint has a Var in a bound, and its data are
    finite and set (:func:`stackopt.finite_data.check_finite_data`)."""
    if not isinstance(game, StackelbergGame):
        raise ModelError(f"expected a stackopt.StackelbergGame, got {type(game).__name__}")
    _check_suffix_names(game)
    _check_ranged_bounds(game)
    check_finite_data(game)


def _check_suffix_names(game: StackelbergGame) -> None:
    """The game's components ``dual`` and ``rc``, if any, are Suffixes (``RESERVED_SUFFIXES``):
    Pyomo's solver interfaces read ``model.dual`` and ``model.rc`` as Suffixes (SCIP's fails on a
    Param there: "'ScalarParam' object has no attribute 'import_enabled'")."""
    for name, use in RESERVED_SUFFIXES.items():
        component = game.component(name)
        if component is not None and not isinstance(component, pyo.Suffix):
            raise ModelError(
                f"the game's component {name!r} is a {component.ctype.__name__}: the name "
                f"{name!r} is reserved for {use}; rename it"
            )


def _check_ranged_bounds(game: StackelbergGame) -> None:
    """A ranged constraint ``lower <= body <= upper`` whose bound holds a free Var is refused by
    Pyomo's writers and by its ``lower`` and ``upper`` ("Cannot standardize the constraint"): a
    :class:`ModelError` naming it and the two constraints to write instead."""
    for c in game.component_data_objects(pyo.Constraint, active=True, descend_into=True):
        if not isinstance(c.expr, RangedExpression):
            continue
        bounds = (c.expr.args[0], c.expr.args[2])
        if any(next(identify_variables(b, include_fixed=False), None) is not None for b in bounds):
            lower, body, upper = (str(a) for a in c.expr.args)
            raise ModelError(
                f"constraint {c.name} is ranged ({lower} <= {body} <= {upper}) with a Var in a "
                f"bound, which Pyomo cannot send to a solver; write it as two constraints, "
                f"{lower} <= {body} and {body} <= {upper}"
            )


def _constant_constraints(game: StackelbergGame) -> set[int]:
    """The ids of ``game``'s active constraints that use no free Var (all their Vars fixed, or
    ``pyo.Constraint.Feasible``): one that holds (to Pyomo's writers' absolute tolerance
    ``CONSTANT_ROW_TOL``) constrains nothing and is left out, as Pyomo's writers leave it out;
    one that is violated is a :class:`ModelError` naming it."""
    constant: set[int] = set()
    for c in game.component_data_objects(pyo.Constraint, active=True, descend_into=True):
        if next(identify_variables(c.expr, include_fixed=False), None) is not None:
            continue
        body, lower, upper = (pyo.value(e, exception=False) for e in (c.body, c.lower, c.upper))
        if body is None:
            raise ModelError(
                f"constraint {c.name} uses no free Var and has no value (a fixed Var without a "
                "value, or a function outside its domain)"
            )
        if (lower is not None and lower - body > CONSTANT_ROW_TOL) or (
            upper is not None and body - upper > CONSTANT_ROW_TOL
        ):
            sides = [f"{value:.10g}" for value in (lower, body, upper) if value is not None]
            relation = " == " if c.equality else " <= "
            raise ModelError(
                f"constraint {c.name} is constant and violated: "
                f"{relation.join(sides[1:] if c.equality else sides)}"
            )
        constant.add(id(c))
    return constant


def _shared_part(
    c: ConstraintData,
    followers: list[FollowerPart],
    owner_of: Callable[[VarData, ConstraintData], Any],
    leader_vars: dict[int, VarData],
) -> SharedPart:
    """The followers that shared constraint ``c`` binds (those whose Vars it uses), with weights;
    the leader Vars it uses join ``leader_vars``."""
    _check_smooth(c, c.expr)
    position = {id(part.block): i for i, part in enumerate(followers)}
    bound: set[int] = set()
    for v in identify_variables(c.expr, include_fixed=False):
        owner = owner_of(v, c)
        if owner == "leader":
            leader_vars.setdefault(id(v), v)
        else:
            bound.add(position[id(owner)])
    if not bound:
        raise ModelError(
            f"SharedConstraint {c.name} uses no follower's Var; a constraint on the leader's "
            "Vars alone is an ordinary leader constraint (pyo.Constraint)"
        )
    binds = sorted(bound)
    for i in binds:
        if followers[i].cvxpy is not None:
            raise ModelError(
                f"SharedConstraint {c.name} binds Follower {followers[i].name}, which is given in "
                "cvxpy: a cvxpy follower's problem cannot include a shared constraint"
            )
    component = c.parent_component()
    names = {followers[i].name for i in binds}
    unknown = sorted(set(component.weights) - names)
    if unknown:
        raise ModelError(
            f"SharedConstraint {c.name} has weights for {unknown}, which it does not bind "
            f"(it binds {sorted(names)})"
        )
    weights = [component.weights.get(followers[i].name, 1.0) for i in binds]
    return SharedPart(c, binds, weights, component.variational)


def _check_all_or_no_cvxpy(followers: list[FollowerPart]) -> None:
    """A game with cvxpy followers has no other kind: their equilibrium is cvxpy's (best
    responses by cvxpy, differentiation by diffcp), which a Pyomo follower cannot join."""
    given = [part.name for part in followers if part.cvxpy is not None]
    pyomo = [part.name for part in followers if part.cvxpy is None]
    if given and pyomo:
        raise ModelError(
            f"Follower {pyomo[0]} is a Pyomo block while {given[0]} is given in cvxpy: a game "
            "with cvxpy followers needs every follower in cvxpy (stackopt.cvxpy_follower)"
        )


def require_leader_vars(structure: GameStructure, what: str) -> None:
    """ModelError when the leader has no free Var (none declared, or all fixed): ``what`` (a
    method that moves the leader's decision) has nothing to move; the followers' equilibrium at
    the fixed decision is what method='mpec' or 'initial' computes."""
    if not structure.leader_vars:
        raise ModelError(
            f"{what} moves the leader's decision, and the leader has no free Var (none declared, "
            "or all fixed): method='mpec' or method='initial' computes the followers' "
            "equilibrium, the whole answer"
        )


def refuse_shared(structure: GameStructure, what: str) -> None:
    """ModelError naming the first shared constraint if ``structure`` has one: for the methods
    that solve each follower's own problem apart (best responses, projected play)."""
    if structure.shared:
        name = structure.shared[0].constraint.name
        raise ModelError(
            f"{what} cannot handle SharedConstraint {name}: it solves each follower's own "
            "problem apart; use the kkt oracle or method='mpec'"
        )


def refuse_prices(structure: GameStructure, what: str) -> None:
    """ModelError naming the first ``stackopt.dual`` the leader uses: for the methods that move
    the followers on their own variables, without multipliers (the prices would read 0)."""
    if structure.duals:
        name = structure.duals[0].constraint.name
        raise ModelError(
            f"{what} cannot take stackopt.dual({name}): the followers move on their own "
            "variables without multipliers, so the price would read 0; use method='mpec' or "
            "method='gradient'"
        )


def _check_prices(
    prices: list[DualRef], followers: list[FollowerPart], shared: list[SharedPart]
) -> None:
    """Each ``stackopt.dual`` must price a follower's constraint or a shared constraint."""
    priced = {id(c) for part in followers for c in part.constraints}
    priced |= {id(s.constraint) for s in shared if s.variational}
    for ref in prices:
        if id(ref.constraint) not in priced:
            raise ModelError(
                f"stackopt.dual({ref.constraint.name}): {ref.constraint.name} is not an active "
                "constraint of a follower nor a variational SharedConstraint; only those have "
                "one price in the followers' problems"
            )
