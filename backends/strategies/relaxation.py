"""Relaxations of each pair's complementarity by a parameter t driven to 0 (Scholtes,
Kanzow-Schwartz): s_j >= 0 and one relaxed row r_t(lam_j, s_j) <= 0 per pair, t = t0, t0*factor,
..., down to t_min. A subclass states its row (:meth:`Relaxation.relaxed`) and its defaults."""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import pyomo.environ as pyo

from stackopt.backends.mpec_problem import MPECProblem, Pair
from stackopt.backends.strategies.base import ContinuationStrategy, geometric
from stackopt.option_values import POSITIVE, SHRINK


@dataclass
class Relaxation(ContinuationStrategy):
    """The relaxed NLPs at t = t0, t0*factor, ..., down to t_min (module docstring)."""

    t0: float = 1.0
    factor: float = 0.1
    t_min: float = 1e-8
    ranges = {"t0": POSITIVE, "factor": SHRINK, "t_min": POSITIVE}
    parameter: ClassVar[str] = "t"

    def schedule(self) -> list[float]:
        return geometric(self.t0, self.factor, self.t_min)

    def apply(self, problem: MPECProblem) -> None:
        b, pairs = problem.block, problem.pairs
        t = self.declare_parameter(problem, self.t0)
        b.slack_nonneg = pyo.Constraint(range(len(pairs)), rule=lambda _, j: pairs[j].slack >= 0)
        b.relaxed = pyo.Constraint(range(len(pairs)), rule=lambda _, j: self.relaxed(pairs[j], t))

    @abstractmethod
    def relaxed(self, pair: Pair, t: Any) -> Any:
        """The relaxed row of ``pair`` at the parameter ``t`` (a Pyomo relational expression)."""
