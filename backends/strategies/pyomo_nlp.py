"""Pyomo's own MPEC transformation ``mpec.simple_nonlinear``, then an NLP solver.

Each pair becomes ``complements(lam >= 0, s >= 0)``, which the transformation rewrites as
lam >= 0, s >= 0, lam * s <= 0 (Pyomo's ``pyomo.mpec``). The pairs are never dropped: the solver
runner refuses a model that still holds an active Complementarity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pyomo.environ as pyo
from pyomo.mpec import Complementarity, complements

from stackopt.backends.mpec_problem import MPECProblem
from stackopt.backends.strategies.base import Strategy
from stackopt.option_values import NONNEGATIVE


@dataclass
class PyomoNLP(Strategy):
    """``mpec.simple_nonlinear`` with the products bounded by ``mpec_bound`` (0 is exact).

    Parameters
    ----------
    mpec_bound : float
        Bound on each complementarity product, lam * s <= mpec_bound.
    """

    mpec_bound: float = 0.0
    name: ClassVar[str] = "nlp"
    ranges = {"mpec_bound": NONNEGATIVE}

    def apply(self, problem: MPECProblem) -> None:
        pairs = problem.pairs
        problem.block.pairs = Complementarity(
            range(len(pairs)), rule=lambda _, j: complements(pairs[j].lam >= 0, pairs[j].slack >= 0)
        )
        pyo.TransformationFactory("mpec.simple_nonlinear").apply_to(
            problem.model, mpec_bound=self.mpec_bound
        )
