"""Leader Vars with a discrete domain (Binary, Integer): which methods take them, and the relaxed
copy on which an integral decision is judged.

Only the exact MPEC strategies (a mixed-integer program for SCIP or HiGHS) and the value-function
method optimize over discrete leader decisions. The honest evaluation of their integral decision
fixes it, so it runs on a copy of the game whose leader Vars are continuous
(:func:`relaxed_leader`): PyNumero, which compiles the KKT system and the followers' problems,
refuses a model with discrete Vars by ending the process. Every other method refuses such a game
with a :class:`stackopt.ModelError` naming the Var (:func:`refuse_discrete_leader`), before
anything is compiled.
"""

from __future__ import annotations

import pyomo.environ as pyo
from pyomo.core.base.var import VarData

from stackopt.errors import ModelError
from stackopt.game import StackelbergGame


def discrete_leader_vars(game: StackelbergGame) -> list[VarData]:
    """The leader's (top-level, unfixed) Vars whose domain is not continuous."""
    return [
        v
        for v in game.component_data_objects(pyo.Var, descend_into=False)
        if not v.fixed and not v.is_continuous()
    ]


def refuse_discrete_leader(game: StackelbergGame, method: str) -> None:
    """Raise a ModelError naming the first discrete leader Var, if any."""
    found = discrete_leader_vars(game)
    if found:
        v = found[0]
        raise ModelError(
            f"leader Var {v.name} is {v.domain.name}: {method} needs continuous leader decisions; "
            "discrete leaders are solved by method='mpec' with strategy='bigm' or 'sos1' (SCIP or "
            "HiGHS), or by method='value-function'"
        )


def relaxed_leader(game: StackelbergGame) -> StackelbergGame:
    """A clone of ``game`` whose leader Vars are continuous (Reals within their bounds)."""
    clone = game.clone()
    for v in discrete_leader_vars(clone):
        lb, ub = v.bounds
        v.domain = pyo.Reals
        v.setlb(lb)
        v.setub(ub)
    return clone
