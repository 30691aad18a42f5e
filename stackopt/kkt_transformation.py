"""``TransformationFactory("stackopt.kkt")``: a StackelbergGame becomes an ordinary Pyomo MPEC.

Each follower is replaced by its KKT conditions (:mod:`stackopt.kkt`, Wang et al. 2022, Eq. 4): the
multipliers and stationarity rows on the block ``stackopt_kkt``, the follower's own constraints kept
as primal feasibility (but for equalities implied by the follower's others, deactivated:
:attr:`stackopt.kkt.KKTSystem.implied`), its objective deactivated, and one ``pyomo.mpec`` pair per inequality g_j <= 0
(finite bounds included),

    complements(lam_j >= 0, -g_j(x, pi) >= 0)            on ``stackopt_kkt.complementarity``.

A shared constraint (:class:`stackopt.SharedConstraint`) stays as primal feasibility, with one
pair and one multiplier that enters the stationarity of every follower it binds; each
``stackopt.dual(c)`` in the leader's functions becomes c's multiplier expression. The leader's
objective and constraints become the MPEC's. The model then composes with Pyomo's own
MPEC transformations (``mpec.simple_nonlinear``, ``mpec.simple_disjunction``, ...) and solvers.
``stackopt.solve(game, method="mpec")`` builds the same system
(:mod:`stackopt.backends.mpec_problem`) before its strategies reformulate the pairs.
"""

from __future__ import annotations

import pyomo.environ as pyo
from pyomo.core.base.transformation import Transformation, TransformationFactory
from pyomo.mpec import Complementarity, complements

from stackopt.errors import ModelError, OptionError
from stackopt.kkt import KKT_BLOCK, KKTSystem, compile_kkt
from stackopt.structure import analyze


def replace_followers(game: pyo.Block) -> KKTSystem:
    """Add the followers' joint KKT system to ``game`` (in place) and deactivate their objectives."""
    kkt = compile_kkt(analyze(game))
    for part in kkt.structure.followers:
        part.objective.deactivate()
    return kkt


@TransformationFactory.register(
    "stackopt.kkt", doc="Replace each follower of a stackopt game by its KKT conditions (an MPEC)"
)
class KKTTransformation(Transformation):
    """``apply_to(game)`` rewrites the game in place, ``create_using(game)`` a clone of it."""

    def _apply_to(self, model: pyo.Block, **kwds) -> None:
        if kwds:
            raise OptionError(
                f"the stackopt.kkt transformation takes no options, got {sorted(kwds)}"
            )
        if model.component(KKT_BLOCK) is not None:
            raise ModelError(
                f"{model.name} already holds a KKT system ({KKT_BLOCK}): apply stackopt.kkt once"
            )
        kkt = replace_followers(model)
        rows = kkt.inequalities
        kkt.block.complementarity = Complementarity(
            range(len(rows)), rule=lambda _, j: complements(kkt.lam[j] >= 0, -rows[j].expr >= 0)
        )
