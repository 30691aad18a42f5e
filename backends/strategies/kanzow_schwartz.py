"""Kanzow and Schwartz's relaxation, solved by an NLP solver for t -> 0.

Kanzow and Schwartz (2013), "A new regularization method for mathematical programs with
complementarity constraints with strong convergence properties", SIAM J. Optim. 23, Eq. (4):

    lam_j >= 0,  s_j >= 0,  phi(lam_j - t, s_j - t) <= 0,
    phi(a, b) = a b  if a + b >= 0,  -(a^2 + b^2) / 2  otherwise,

i.e. min(lam_j, s_j) <= t: the feasible set is an L of width t around the two axes, and limit
points are M-stationary under MPEC-CPLD (their Theorem 3.3), where Scholtes' are C-stationary.
phi is once continuously differentiable; Ipopt gets it as an if-then-else expression.

Where it wins (``benchmarks/mpec_strategies.py``, 40 problems without integer Vars, 30 s each,
default starts): 39 solved, the most after the penalty's 40; with the penalty the only local
strategy that solves MacMPEC's bilin and dempe (Scholtes and smoothed Fischer-Burmeister miss
both, ``nlp`` bilin). Lin and Fukushima's relaxation
(2005; lam s <= t^2, (lam + t)(s + t) >= t^2) solved 22 and a PHR augmented Lagrangian of the
products 31 of the 37 outside gnash10, 11 and 16, neither alone on any problem nor clearly faster
on any: they are not offered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pyomo.environ as pyo

from stackopt.backends.mpec_problem import Pair
from stackopt.backends.strategies.relaxation import Relaxation


@dataclass
class KanzowSchwartz(Relaxation):
    """Relaxation phi(lam - t, s - t) <= 0 (min(lam, s) <= t) with t = t0, t0*factor, ...,
    down to t_min.

    Parameters
    ----------
    t0 : float
        The first relaxation parameter.
    factor : float
        Each next t is t * factor, in (0, 1).
    t_min : float
        The last t.
    """

    name: ClassVar[str] = "kanzow-schwartz"

    def relaxed(self, pair: Pair, t: Any) -> Any:
        a, c = pair.lam - t, pair.slack - t
        return pyo.Expr_if(IF=a + c >= 0, THEN=a * c, ELSE=-(a**2 + c**2) / 2) <= 0
