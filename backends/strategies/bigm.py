"""Fortuny-Amat and McCarl's big-M disjunction: an exact mixed-integer reformulation.

    lam_j <= M^d_j z_j,   s_j <= M^p_j (1 - z_j),   z_j in {0, 1}

(Fortuny-Amat & McCarl 1981). M^p_j comes from the bounds of the slack s_j = -g_j (interval
arithmetic on the Var bounds) or from ``primal_big_M``; multipliers have no natural bound, so M^d
must be given as ``dual_big_M``. A missing bound is an error, never a guess: a too-small M cuts off
the optimum silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pyomo.environ as pyo
from pyomo.contrib.fbbt.fbbt import compute_bounds_on_expr

from stackopt.backends.mpec_problem import MPECProblem
from stackopt.backends.strategies.base import Strategy
from stackopt.errors import ModelError
from stackopt.option_values import POSITIVE

BigMHint = float | dict[str, float] | None


def _hint(hint: BigMHint, name: str) -> float | None:
    if isinstance(hint, dict):
        return hint.get(name)
    return hint


@dataclass
class BigM(Strategy):
    """Binary disjunction per pair with dual and primal big-M values (floats or dicts by pair).

    Parameters
    ----------
    dual_big_M : float, dict or None
        Bound M^d on the multipliers (one value, or by pair name); required, there is no natural one.
    primal_big_M : float, dict or None
        Bound M^p on the slacks; None derives it from the Var bounds.
    """

    dual_big_M: BigMHint = None
    primal_big_M: BigMHint = None
    name: ClassVar[str] = "bigm"
    ranges = {"dual_big_M": POSITIVE, "primal_big_M": POSITIVE}
    exact: ClassVar[bool] = True

    def big_ms(self, problem: MPECProblem) -> list[tuple[float, float]]:
        """(M^d_j, M^p_j) for every pair, or a ModelError naming the first pair without one."""
        out = []
        for p in problem.pairs:
            dual = _hint(self.dual_big_M, p.name)
            if dual is None:
                raise ModelError(
                    f"bigm needs a bound on the multiplier of {p.name}: pass "
                    "strategy=stackopt.BigM(dual_big_M=...) (a float, or a dict by pair name), "
                    "or strategy_options={'dual_big_M': ...}"
                )
            primal = _hint(self.primal_big_M, p.name)
            if primal is None:
                primal = compute_bounds_on_expr(p.slack)[1]
            if primal is None:
                raise ModelError(
                    f"bigm needs an upper bound on the slack of {p.name}: bound the Vars it uses, "
                    "or pass strategy=stackopt.BigM(primal_big_M=...) (or strategy_options)"
                )
            out.append((float(dual), float(primal)))
        return out

    def accepts(self, problem: MPECProblem) -> None:
        self.big_ms(problem)

    def apply(self, problem: MPECProblem) -> None:
        b, pairs, ms = problem.block, problem.pairs, self.big_ms(problem)
        idx = range(len(pairs))
        b.z = pyo.Var(idx, within=pyo.Binary)
        b.slack_nonneg = pyo.Constraint(idx, rule=lambda _, j: pairs[j].slack >= 0)
        b.dual_off = pyo.Constraint(idx, rule=lambda _, j: pairs[j].lam <= ms[j][0] * b.z[j])
        b.primal_off = pyo.Constraint(
            idx, rule=lambda _, j: pairs[j].slack <= ms[j][1] * (1 - b.z[j])
        )
