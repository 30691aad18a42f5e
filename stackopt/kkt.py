"""The KKT compiler: each follower's KKT conditions, derived symbolically, stacked into one system.

Follower i solves  min_{x_i} f_i(x_i, x_-i, pi)  s.t.  g_ij(x_i, pi) <= 0,  h_ik(x_i, pi) = 0,
with finite Var bounds counted among the g's (lb - x <= 0, x - ub <= 0). Its KKT conditions are

    grad_{x_i} f_i + sum_j lam_ij grad_{x_i} g_ij + sum_k nu_ik grad_{x_i} h_ik = 0   (stationarity)
    g_ij <= 0,  h_ik = 0                                                          (primal feasibility)
    lam_ij >= 0,  lam_ij * g_ij = 0                                                (complementarity)

and the followers' Nash equilibria are the solutions of all followers' conditions together (the
joint Nash KKT system, Wang et al. 2022, Eq. 4). The derivatives are Pyomo expressions
(``pyomo.core.expr.calculus.derivatives``, reverse symbolic mode), so the system can be handed to any
Pyomo solver as components or compiled into a numeric evaluator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyomo.environ as pyo
from pyomo.core.base.constraint import ConstraintData
from pyomo.core.base.var import VarData
from pyomo.core.expr.calculus.derivatives import Modes, differentiate

from stackopt.errors import ModelError
from stackopt.structure import FollowerPart, GameStructure

KKT_BLOCK = "stackopt_kkt"


@dataclass(frozen=True)
class Inequality:
    """``expr <= 0`` for follower ``follower`` (an index into the structure's followers)."""

    name: str
    follower: int
    expr: Any


@dataclass(frozen=True)
class Equality:
    """``expr == 0`` for follower ``follower``."""

    name: str
    follower: int
    expr: Any


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


def _follower_rows(part: FollowerPart, index: int) -> tuple[list[Inequality], list[Equality]]:
    ineq: list[Inequality] = []
    eq: list[Equality] = []
    for c in part.constraints:
        if c.equality:
            eq.append(Equality(c.name, index, c.body - c.upper))
            continue
        if c.lower is not None:
            ineq.append(Inequality(f"{c.name}[lower]", index, c.lower - c.body))
        if c.upper is not None:
            ineq.append(Inequality(f"{c.name}[upper]", index, c.body - c.upper))
    for v in part.vars:
        if v.lb is not None:
            ineq.append(Inequality(f"{v.name}[lb]", index, v.lb - v))
        if v.ub is not None:
            ineq.append(Inequality(f"{v.name}[ub]", index, v - v.ub))
    return ineq, eq


def _gradient(expr: Any, wrt: list[VarData]) -> list[Any]:
    return differentiate(expr, wrt_list=wrt, mode=Modes.reverse_symbolic)


def _is_zero(term: Any) -> bool:
    return isinstance(term, (int, float)) and term == 0


def compile_kkt(structure: GameStructure, name: str = KKT_BLOCK) -> KKTSystem:
    """Add the joint KKT system of ``structure``'s followers to its game as a block ``name``.

    The game is modified in place (callers compile on a clone). Returns the :class:`KKTSystem`.
    """
    game = structure.game
    for part in structure.followers:
        if part.cvxpy is not None:
            raise ModelError(
                f"Follower {part.name} is given in cvxpy: its optimality conditions are cvxpy's, "
                "so only method='gradient' can solve this game"
            )
    inequalities: list[Inequality] = []
    equalities: list[Equality] = []
    for i, part in enumerate(structure.followers):
        ineq, eq = _follower_rows(part, i)
        inequalities += ineq
        equalities += eq

    block = pyo.Block()
    game.add_component(name, block)
    block.lam = pyo.Var(range(len(inequalities)), bounds=(0, None), initialize=0.0)
    block.nu = pyo.Var(range(len(equalities)), initialize=0.0)

    rows: list[Any] = []
    for i, part in enumerate(structure.followers):
        terms = [[t] for t in _gradient(part.sign * part.objective.expr, part.vars)]
        for mult, rows_of in ((block.lam, inequalities), (block.nu, equalities)):
            for j, row in enumerate(rows_of):
                if row.follower != i:
                    continue
                for r, d in enumerate(_gradient(row.expr, part.vars)):
                    if not _is_zero(d):
                        terms[r].append(mult[j] * d)
        rows += [sum(t[1:], t[0]) for t in terms]
    block.stationarity = pyo.Constraint(range(len(rows)), rule=lambda b, r: rows[r] == 0)
    return KKTSystem(structure, block, inequalities, equalities)
