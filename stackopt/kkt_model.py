"""A clone of a game with its followers' KKT system compiled on it, to be copied.

The KKT evaluator (:class:`stackopt.kkt_evaluator.KKTEvaluator`) and the MPEC
(:class:`stackopt.backends.mpec_problem.MPECProblem`) each start from the game's KKT system on a
model of their own, which each then changes. Building it is a clone, an analysis of the game
(:func:`stackopt.structure.analyze`) and the symbolic derivatives of every follower
(:func:`stackopt.kkt.compile_kkt`); a copy of one built already is a deep copy of the model and
the system together (one memo, so the copy's system names the copy's components): on the
paper-size security game (5 x 100) 0.03 s against 0.09 s.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import pyomo.environ as pyo

from stackopt.kkt import KKTSystem, compile_kkt
from stackopt.structure import analyze


@dataclass(frozen=True)
class KKTModel:
    """``model``, a clone of a game, and ``kkt``, its followers' KKT system compiled on it."""

    model: pyo.Block
    kkt: KKTSystem

    @classmethod
    def of(cls, game: pyo.Block) -> KKTModel:
        """The KKT system of ``game`` compiled on a clone of it."""
        model = game.clone()
        return cls(model, compile_kkt(analyze(model)))

    def copy(self) -> KKTModel:
        """An independent copy: its model a clone of this one's, its system on that clone."""
        memo: dict = {}
        model = self.model.clone(memo)
        return KKTModel(model, copy.deepcopy(self.kkt, memo))
