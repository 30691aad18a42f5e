"""The KKT compiler: each follower's KKT conditions, derived symbolically, stacked into one system.

Follower i solves  min_{x_i} f_i(x_i, x_-i, pi)  s.t.  g_ij(x_i, pi) <= 0,  h_ik(x_i, pi) = 0,
with finite Var bounds counted among the g's (lb - x <= 0, x - ub <= 0). Its KKT conditions are

    grad_{x_i} f_i + sum_j lam_ij grad_{x_i} g_ij + sum_k nu_ik grad_{x_i} h_ik = 0   (stationarity)
    g_ij <= 0,  h_ik = 0                                                          (primal feasibility)
    lam_ij >= 0,  lam_ij * g_ij = 0                                                (complementarity)

and the followers' Nash equilibria are the solutions of all followers' conditions together (the
joint Nash KKT system, Wang et al. 2022, Eq. 4).

An equality row of one follower that is affine, with constant coefficients, and an affine
combination of that follower's other such rows (h_r = sum_k c_k h_k identically, constants and
leader Vars included: one node balance of a flow network is the sum of the others) is implied by
them, and its multiplier is not unique: any nu_r can be moved onto the nu_k. The system leaves
such rows out (:attr:`KKTSystem.implied`; nu_r = 0, which every multiplier set contains) and
deactivates their constraints in the compiled model, so that a reformulation has no dependent
rows either (Ipopt takes a problem with as many equality rows as Vars for a square system and
drops its objective): the system's Jacobian keeps full rank where the rows alone lacked it (a 4 x 4 toll game with 20 commodities: the penalty MPEC took 6769 Ipopt iterations
and 198 s with the rows, 546 and 49 s without). Games whose leader reads prices
(``stackopt.dual``) keep every row: there a price's whole range is the leader's to choose. The derivatives are Pyomo expressions
(``pyomo.core.expr.calculus.derivatives``, reverse symbolic mode), so the system can be handed to any
Pyomo solver as components or compiled into a numeric evaluator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.core.base.constraint import ConstraintData
from pyomo.core.base.var import VarData
from pyomo.core.expr.calculus.derivatives import Modes, differentiate
from pyomo.core.expr.numvalue import is_potentially_variable
from pyomo.core.expr.visitor import identify_variables, replace_expressions
from pyomo.repn import generate_standard_repn

from stackopt.errors import ModelError
from stackopt.structure import FollowerPart, GameStructure

KKT_BLOCK = "stackopt_kkt"


@dataclass(frozen=True)
class Row:
    """A constraint row ``expr <= 0`` or ``expr == 0`` binding the followers ``binds`` (indices into
    the structure's followers).

    A follower's own row binds that follower alone; a shared constraint's row binds every follower
    whose Vars it uses, and its one multiplier enters follower ``binds[k]``'s stationarity divided
    by ``weights[k]`` (:class:`stackopt.SharedConstraint`). ``constraint`` names the Pyomo
    constraint the row comes from (None for a Var bound); ``rhs_slope`` is d expr / d rhs (-1 for an
    upper bound or an equality, +1 for a lower bound).
    """

    name: str
    binds: tuple[int, ...]
    expr: Any
    constraint: str | None = None
    rhs_slope: float = 0.0
    weights: tuple[float, ...] = (1.0,)


class Inequality(Row):
    """``expr <= 0``."""


class Equality(Row):
    """``expr == 0``."""


@dataclass
class KKTSystem:
    """The stacked KKT system of all followers, as Pyomo components on ``block``.

    ``block.lam[j] >= 0`` is the multiplier of ``inequalities[j]``, ``block.nu[k]`` that of
    ``equalities[k]``, and ``block.stationarity[r]`` the stationarity condition for the r-th follower
    Var in ``structure.follower_vars``. The original follower constraints remain the primal
    feasibility conditions; complementarity is left to the caller (an MPEC strategy or an oracle).
    """

    structure: GameStructure
    block: pyo.Block
    inequalities: list[Inequality]
    equalities: list[Equality]
    #: equality rows implied by the others, left out (module docstring); their price is 0
    implied: list[Equality] = field(default_factory=list)

    @property
    def primal(self) -> list[VarData]:
        return self.structure.follower_vars

    @property
    def lam(self) -> list[VarData]:
        return list(self.block.lam.values())

    @property
    def nu(self) -> list[VarData]:
        return list(self.block.nu.values())

    @property
    def stationarity(self) -> list[ConstraintData]:
        return list(self.block.stationarity.values())

    @property
    def z_vars(self) -> list[VarData]:
        """The followers' primal-dual point z = (x, lam, nu), in that order."""
        return self.primal + self.lam + self.nu

    def price_terms(self) -> dict[str, list[tuple[int, float]]]:
        """Each follower constraint's shadow price as (position in z, coefficient) pairs, by name.

        The price of constraint c of follower i is d f_i* / d rhs_c in the sense of f_i's own
        objective: sign_i * sum over c's rows of rhs_slope * multiplier (the envelope theorem: the
        Lagrangian's derivative in rhs), with sign_i = +1 for a minimizing follower and -1 for a
        maximizing one; rhs_c is c's side without follower Vars (:func:`_data_side_first`), and for
        a constant one this is Pyomo's sign convention for duals. A ranged constraint's price is
        that of whichever side binds. A shared constraint's price is its
        common multiplier as the price of a follower of weight 1, in the followers' sense when they
        all minimize or all maximize, in a minimizer's otherwise; the copies of a non-variational
        one are priced per follower, under ``"<name>@<follower>"``.
        """
        signs = [part.sign for part in self.structure.followers]
        n_x, n_lam = len(self.primal), len(self.inequalities)
        terms: dict[str, list[tuple[int, float]]] = {}
        for rows, first in ((self.inequalities, n_x), (self.equalities, n_x + n_lam)):
            for j, row in enumerate(rows):
                if row.constraint is not None:
                    senses = {signs[i] for i in row.binds}
                    sign = senses.pop() if len(senses) == 1 else 1.0
                    terms.setdefault(row.constraint, []).append((first + j, sign * row.rhs_slope))
        for row in self.implied:
            terms.setdefault(row.constraint or row.name, [])
        return terms

    def dual_expressions(self) -> dict[str, Any]:
        """:meth:`price_terms` as linear expressions in the multiplier Vars."""
        z = self.z_vars
        return {name: sum(c * z[k] for k, c in terms) for name, terms in self.price_terms().items()}

    def duals(self, z: Any) -> dict[str, float]:
        """:meth:`price_terms` evaluated at the primal-dual point ``z`` (ordered as z_vars)."""
        return {
            name: float(sum(c * z[k] for k, c in terms))
            for name, terms in self.price_terms().items()
        }


def _data_side_first(c: ConstraintData, follower: set[int]) -> bool:
    """Whether ``c``, written ``lhs <= rhs`` or ``lhs == rhs`` (Pyomo's order: ``a >= b`` is
    ``b <= a``) with Vars on both sides, has no follower Var in lhs and some in rhs. Pyomo's body
    is then lhs - rhs with the bound 0, and c's right-hand side in the economic sense, the side
    of the data (constants, the leader's decisions), is lhs: ``supply >= demand`` prices demand
    whether it is a constant or the leader's Var."""
    args = c.expr.args
    if len(args) != 2 or not all(is_potentially_variable(a) for a in args):
        return False  # a constant side: Pyomo's bound already is the data side
    lhs, rhs = ({id(v) for v in identify_variables(a)} & follower for a in args)
    return not lhs and bool(rhs)


def _constraint_rows(
    c: ConstraintData,
    binds: tuple[int, ...],
    weights: tuple[float, ...],
    follower: set[int],
    name: str | None = None,
) -> tuple[list[Inequality], list[Equality]]:
    """The rows of Pyomo constraint ``c``, priced under ``name`` (default: c's name) in its
    right-hand side, the side of the data (:func:`_data_side_first`; ``follower`` holds the ids
    of the followers' Vars): the row of ``body <= upper`` or ``body == upper`` has the slope -1
    in ``upper``, or +1 in the data side lhs of ``body = lhs - rhs``."""
    name = name or c.name
    slope = 1.0 if _data_side_first(c, follower) else -1.0
    if c.equality:
        return [], [Equality(name, binds, c.body - c.upper, name, slope, weights)]
    ineq = []
    if c.lower is not None:
        ineq.append(Inequality(f"{name}[lower]", binds, c.lower - c.body, name, 1.0, weights))
    if c.upper is not None:
        ineq.append(Inequality(f"{name}[upper]", binds, c.body - c.upper, name, slope, weights))
    return ineq, []


def _follower_rows(
    part: FollowerPart, index: int, follower: set[int]
) -> tuple[list[Inequality], list[Equality]]:
    ineq: list[Inequality] = []
    eq: list[Equality] = []
    for c in part.constraints:
        more_ineq, more_eq = _constraint_rows(c, (index,), (1.0,), follower)
        ineq += more_ineq
        eq += more_eq
    for v in part.vars:
        if v.lb is not None:
            ineq.append(Inequality(f"{v.name}[lb]", (index,), v.lb - v))
        if v.ub is not None:
            ineq.append(Inequality(f"{v.name}[ub]", (index,), v - v.ub))
    return ineq, eq


def _gradient(expr: Any, wrt: list[VarData]) -> list[Any]:
    return differentiate(expr, wrt_list=wrt, mode=Modes.reverse_symbolic)


def _sparse_gradient(expr: Any, position: dict[int, int]) -> list[tuple[int, Any]]:
    """(r, d expr / d x_r) for the Vars x_r of ``expr`` that ``position`` (id -> r) numbers: a
    row is differentiated only by the Vars it uses (a bound row by one), not by all of them."""
    used = [v for v in identify_variables(expr, include_fixed=False) if id(v) in position]
    if not used:
        return []
    return [(position[id(v)], d) for v, d in zip(used, _gradient(expr, used))]


def _is_zero(term: Any) -> bool:
    return isinstance(term, (int, float)) and term == 0


def _substitute_duals(structure: GameStructure, prices: dict[str, Any]) -> None:
    """Replace each ``stackopt.dual(c)`` placeholder in the leader's functions (and in the named
    Expressions they may use) by c's price in the multipliers (:meth:`KKTSystem.dual_expressions`)."""
    if not structure.duals:
        return
    sub = {id(ref.var): prices[ref.constraint.name] for ref in structure.duals}
    game = structure.game
    for e in game.component_data_objects(pyo.Expression, descend_into=True):
        e.set_value(replace_expressions(e.expr, sub, remove_named_expressions=False))
    obj = structure.objective
    obj.set_value(replace_expressions(obj.expr, sub, remove_named_expressions=False))
    for c in structure.constraints:
        c.set_value(replace_expressions(c.expr, sub, remove_named_expressions=False))


#: the largest rows x columns of one follower's affine equality rows tested for implied ones (a
#: dense basis); a larger follower keeps every row
MAX_IMPLIED_TEST = 4_000_000
#: a row's coefficients are a combination of the rows kept when their (unit) vector has a
#: component below this outside the span of the rows kept
IMPLIED_TOL = 1e-10
#: the absolute disagreement of a combination's constant that still counts as none, per
#: 1 + the norm of the row's coefficients
CONSTANT_TOL = 1e-9
#: the rounding of a combination's constant, per unit roundoff and the size of its terms
ROUNDING = 16 * np.finfo(float).eps


def _without_implied(
    equalities: list[Equality], structure: GameStructure
) -> tuple[list[Equality], list[Equality]]:
    """(the rows kept, the rows implied by them): the module docstring's rule, per follower, on
    the rows h_r = a_r . v + b_r (v every Var they use, the leader's included). In the model's
    order, a row is implied by the rows k kept before it when

    - its coefficients are their combination, a_r = sum_k c_k a_k: Gram-Schmidt on the unit
      vectors a_r / |a_r| leaves a component of at most ``IMPLIED_TOL`` (a rank test on the
      coefficients alone, so the size of the constants does not enter it), and
    - its constant is the same combination of theirs: the disagreement d = b_r - sum_k c_k b_k,
      carried through the same elimination, is at most
      ``CONSTANT_TOL`` (1 + |a_r|) + ``ROUNDING`` (|b_r| + sum_k |c_k b_k|),
      an absolute floor on the row's own scale plus the rounding of the constants themselves.

    A row whose coefficients are a combination and whose constant disagrees by more contradicts
    the others: it is kept (the follower has no feasible point, and the KKT system says so). With
    constants of 1e11, a contradiction of 1 is kept: the rounding term is 16 eps 2e11 = 7e-4.
    The first rows of a dependent set are kept."""
    if structure.duals:
        return equalities, []
    by_follower: dict[int, list[tuple[int, Any]]] = {}
    for j, row in enumerate(equalities):
        repn = generate_standard_repn(row.expr, quadratic=False)
        if repn.is_linear():
            by_follower.setdefault(row.binds[0], []).append((j, repn))
    implied: set[int] = set()
    for rows in by_follower.values():
        columns: dict[int, int] = {}
        for _, repn in rows:
            for v in repn.linear_vars:
                columns.setdefault(id(v), len(columns))
        if len(rows) < 2 or len(rows) * (len(columns) + 1) > MAX_IMPLIED_TEST:
            continue
        implied |= _implied_rows(rows, columns)
    kept = [row for j, row in enumerate(equalities) if j not in implied]
    return kept, [row for j, row in enumerate(equalities) if j in implied]


def _implied_rows(rows: list[tuple[int, Any]], columns: dict[int, int]) -> set[int]:
    """The positions j of ``rows`` ((j, standard repn) of one follower) implied by the rows kept
    before them (:func:`_without_implied`). The basis holds, for each row kept, a unit vector q
    of the coefficients' span with the constant beta and the constants' size mu that the same
    combination of rows gives."""
    basis = np.zeros((len(columns), 0))
    beta = np.zeros(0)
    mu = np.zeros(0)
    out: set[int] = set()
    for j, repn in rows:
        vector = np.zeros(len(columns))
        for v, coef in zip(repn.linear_vars, repn.linear_coefs):
            vector[columns[id(v)]] += coef
        scale = np.linalg.norm(vector)
        if scale == 0:  # b = 0: implied by no row at all, or a contradiction
            if abs(float(repn.constant)) <= CONSTANT_TOL:
                out.add(j)
            continue
        vector /= scale
        constant = float(repn.constant) / scale
        size = abs(constant)
        for _ in range(2):  # Gram-Schmidt, once more for its rounding errors
            along = basis.T @ vector
            vector -= basis @ along
            constant -= along @ beta
            size += np.abs(along) @ mu
        norm = np.linalg.norm(vector)
        if norm <= IMPLIED_TOL:
            if abs(constant) <= CONSTANT_TOL * (1 + scale) / scale + ROUNDING * size:
                out.add(j)
            continue  # a contradiction: kept, outside the basis (its coefficients are in it)
        basis = np.column_stack([basis, vector / norm])
        beta = np.append(beta, constant / norm)
        mu = np.append(mu, size / norm)
    return out


def _stationarity_row(part: FollowerPart, v: VarData, terms: list[Any]) -> Any:
    """The stationarity expression of follower ``part`` in its Var ``v``, the sum of ``terms``.
    A nonzero constant (no Var in it, Params at their values) is a :class:`ModelError`: the
    follower's objective moves at a constant rate in ``v`` and no constraint or bound holds ``v``,
    so the follower has no best response at any leader decision."""
    row = sum(terms[1:], terms[0])
    if not is_potentially_variable(row):
        slope = pyo.value(row)
        if slope != 0:
            raise ModelError(
                f"Follower {part.name} has no best response: its objective changes at the "
                f"constant rate {part.sign * slope:g} in its Var {v.name}, which no constraint "
                f"or bound of {part.name} holds, so it improves without end whatever the leader "
                f"decides; bound {v.name} or constrain it"
            )
    return row


def compile_kkt(structure: GameStructure, name: str = KKT_BLOCK) -> KKTSystem:
    """Add the joint KKT system of ``structure``'s followers to its game as a block ``name``.

    Shared constraints (:class:`stackopt.SharedConstraint`) add one row, with one multiplier, to
    the stationarity of every follower they bind; ``stackopt.dual(c)`` in the leader's functions
    becomes c's price in the multipliers. The game is modified in place (callers compile on a
    clone). Returns the :class:`KKTSystem`.
    """
    game = structure.game
    for part in structure.followers:
        if part.cvxpy is not None:
            raise ModelError(
                f"Follower {part.name} is given in cvxpy: its optimality conditions are cvxpy's, "
                "so only method='gradient' and the black-box baselines (initial, slsqp, "
                "trust-constr) can solve this game"
            )
    inequalities: list[Inequality] = []
    equalities: list[Equality] = []
    follower = {id(v) for v in structure.follower_vars}
    for i, part in enumerate(structure.followers):
        ineq, eq = _follower_rows(part, i, follower)
        inequalities += ineq
        equalities += eq
    # a follower's own rows only: a shared constraint's row is every bound follower's
    equalities, implied = _without_implied(equalities, structure)
    for shared in structure.shared:
        c = shared.constraint
        if shared.variational:
            copies = [(c.name, tuple(shared.followers), tuple(shared.weights))]
        else:
            names = [structure.followers[i].name for i in shared.followers]
            copies = [(f"{c.name}@{n}", (i,), (1.0,)) for n, i in zip(names, shared.followers)]
        for priced_as, binds, weights in copies:
            ineq, eq = _constraint_rows(c, binds, weights, follower, priced_as)
            inequalities += ineq
            equalities += eq

    own = {c.name: c for part in structure.followers for c in part.constraints}
    for dropped in implied:
        own[dropped.constraint].deactivate()
    block = pyo.Block()
    game.add_component(name, block)
    block.lam = pyo.Var(range(len(inequalities)), bounds=(0, None), initialize=0.0)
    block.nu = pyo.Var(range(len(equalities)), initialize=0.0)

    rows: list[Any] = []
    for i, part in enumerate(structure.followers):
        terms = [[t] for t in _gradient(part.sign * part.objective.expr, part.vars)]
        position = {id(v): r for r, v in enumerate(part.vars)}
        for mult, rows_of in ((block.lam, inequalities), (block.nu, equalities)):
            for j, row in enumerate(rows_of):
                if i not in row.binds:
                    continue
                weight = row.weights[row.binds.index(i)]
                for r, d in _sparse_gradient(row.expr, position):
                    if not _is_zero(d):
                        terms[r].append(mult[j] * d if weight == 1.0 else mult[j] * d / weight)
        rows += [_stationarity_row(part, v, t) for v, t in zip(part.vars, terms)]
    block.stationarity = pyo.Constraint(range(len(rows)), rule=lambda b, r: rows[r] == 0)
    kkt = KKTSystem(structure, block, inequalities, equalities, implied)
    _substitute_duals(structure, kkt.dual_expressions())
    return kkt
