"""Scholtes' regularization: lam_j * s_j <= t, solved by an NLP solver for t -> 0.

Scholtes (2001), "Convergence properties of a regularization scheme for MPECs": the relaxed NLPs
are regular, and their solutions converge to a C-stationary point of the MPEC as t -> 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pyomo.environ as pyo

from stackopt.backends.mpec_problem import MPECProblem
from stackopt.backends.strategies.base import ContinuationStrategy, geometric
from stackopt.option_values import POSITIVE, SHRINK


@dataclass
class Scholtes(ContinuationStrategy):
    """Relaxation lam * s <= t with t = t0, t0*factor, ..., down to t_min.

    Parameters
    ----------
    t0 : float
        The first relaxation parameter.
    factor : float
        Each next t is t * factor, in (0, 1). With warm-started solves 0.01 takes fewer Ipopt
        iterations than 0.1 on the 37 problems of the benchmark collection without integer Vars
        outside gnash10, 11 and 16 (continuation before polishing: 1,341 against 1,598, the
        same 31 solved; bard1: 29, and 44 with the polishing TNLP).
    t_min : float
        The last t.
    """

    t0: float = 1.0
    factor: float = 0.01
    t_min: float = 1e-9
    name: ClassVar[str] = "scholtes"
    ranges = {"t0": POSITIVE, "factor": SHRINK, "t_min": POSITIVE}
    parameter: ClassVar[str] = "t"

    def schedule(self) -> list[float]:
        return geometric(self.t0, self.factor, self.t_min)

    def apply(self, problem: MPECProblem) -> None:
        b, pairs = problem.block, problem.pairs
        t = self.declare_parameter(problem, self.t0)
        b.slack_nonneg = pyo.Constraint(range(len(pairs)), rule=lambda _, j: pairs[j].slack >= 0)
        b.relaxed = pyo.Constraint(
            range(len(pairs)), rule=lambda _, j: pairs[j].lam * pairs[j].slack <= t
        )
