"""The smoothed Fischer-Burmeister reformulation, solved by an NLP solver for mu -> 0.

phi_mu(a, b) = a + b - sqrt(a^2 + b^2 + 2 mu) = 0  <=>  a > 0, b > 0, a b = mu
(Kanzow 1996, "Some noninterior continuation methods for linear complementarity problems").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pyomo.environ as pyo

from stackopt.backends.mpec_problem import MPECProblem
from stackopt.backends.strategies.base import ContinuationStrategy, geometric
from stackopt.option_values import POSITIVE, SHRINK


@dataclass
class SmoothedFB(ContinuationStrategy):
    """phi_mu(lam, s) = 0 with mu = mu0, mu0*factor, ..., down to mu_min.

    Parameters
    ----------
    mu0 : float
        The first smoothing parameter.
    factor : float
        Each next mu is mu * factor, in (0, 1).
    mu_min : float
        The last mu.
    """

    mu0: float = 1.0
    factor: float = 0.1
    mu_min: float = 1e-10
    name: ClassVar[str] = "smoothed-fb"
    ranges = {"mu0": POSITIVE, "factor": SHRINK, "mu_min": POSITIVE}
    parameter: ClassVar[str] = "mu"

    def schedule(self) -> list[float]:
        return geometric(self.mu0, self.factor, self.mu_min)

    def apply(self, problem: MPECProblem) -> None:
        b, pairs = problem.block, problem.pairs
        mu = self.declare_parameter(problem, self.mu0)

        def smoothed(_, j):
            lam, s = pairs[j].lam, pairs[j].slack
            return lam + s - pyo.sqrt(lam**2 + s**2 + 2 * mu) == 0

        b.smoothed_fb = pyo.Constraint(range(len(pairs)), rule=smoothed)
