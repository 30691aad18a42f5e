"""Fortuny-Amat and McCarl's big-M disjunction: an exact mixed-integer reformulation.

    lam_j <= M^d_j z_j,   s_j <= M^p_j (1 - z_j),   z_j in {0, 1}

(Fortuny-Amat & McCarl 1981). M^d_j and M^p_j are the user's (``dual_big_M``, ``primal_big_M``)
or, where none is given, derived from the model (:mod:`.big_m_bounds`: FBBT on the KKT system,
an LP over its linear rows, and for the multipliers of linear followers a bound over the vertices
of their multiplier sets), each valid for an optimal point of the MPEC. A pair with
neither is an error naming it, never a guess: a too-small M cuts off the optimum silently.

The MILP's optimum is an optimum of the MPEC only within the box its M values impose: a derived
M is valid, so where none is active the solver's "optimal" is a global claim; a given M, active
or not, proves nothing (a too-small M that is not active at the MILP's optimum still cuts off
better points: Pineda and Morales 2019, "Solving linear bilevel problems using big-Ms: not all
that glitters is gold", IEEE Trans. Power Syst. 34(3)), and an active M says that the box held the
solution back (a warning). Either way the global claim carries its caveat, and the certificate
can grant no more than ``locally_optimal``. The solver's point is polished by the tightened NLP of
its branch (:mod:`.exact_polish`), so that the certificate judges a clean point. An MPEC the
solver finds infeasible is explained by the followers without a best response
(:mod:`.follower_rays`); under a given M that infeasibility is a proof only where every given M is
at least the bound derived for its side, and is otherwise an "error".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pyomo.environ as pyo

from stackopt.backends.mpec_problem import MPECProblem
from stackopt.backends.solvers import SolverRun
from stackopt.backends.strategies import big_m_bounds
from stackopt.backends.strategies.base import OutOfTime, StrategyOutcome, log, solve_once
from stackopt.backends.strategies.big_m_bounds import Bound
from stackopt.backends.strategies.exact_polish import ExactStrategy, price_caveat
from stackopt.backends.strategies.follower_rays import explain_infeasible
from stackopt.errors import ModelError, OptionError
from stackopt.messages import then
from stackopt.option_values import POSITIVE
from stackopt.pyomo_value import value_or_none

BigMHint = float | dict[str, float] | None
#: the pair sides a caveat names one by one; beyond, it gives their number
LISTED = 4
#: the value SCIP and HiGHS take as infinite: a big-M this large is no bound to them (SCIP: "error
#: in input data")
SOLVER_INFINITY = 1e20


def _listed(names: list[str]) -> str:
    if len(names) <= LISTED:
        return ", ".join(names)
    return f"{', '.join(names[:LISTED])} and {len(names) - LISTED} more"


def _hint(hint: BigMHint, name: str) -> float | None:
    if isinstance(hint, dict):
        return hint.get(name)
    return hint


@dataclass
class BigM(ExactStrategy):
    """Binary disjunction per pair with dual and primal big-M values (floats or dicts by pair).

    Parameters
    ----------
    dual_big_M : float, dict or None
        Bound M^d on the multipliers (one value, or by pair name); None derives one per pair.
    primal_big_M : float, dict or None
        Bound M^p on the slacks; None derives one per pair.
    """

    dual_big_M: BigMHint = None
    primal_big_M: BigMHint = None
    name: ClassVar[str] = "bigm"
    ranges = {"dual_big_M": POSITIVE, "primal_big_M": POSITIVE}

    def accepts(self, problem: MPECProblem) -> None:
        """An OptionError for a dict of M values that names no complementarity pair of the game
        (a typo would leave that pair's M derived, silently)."""
        names = [p.name for p in problem.pairs]
        for field, hint in (("dual_big_M", self.dual_big_M), ("primal_big_M", self.primal_big_M)):
            unknown = sorted(set(hint) - set(names)) if isinstance(hint, dict) else []
            if unknown:
                shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
                raise OptionError(
                    f"BigM {field}: this game has no complementarity pair named "
                    f"{', '.join(map(repr, unknown))}; its pairs: {shown}"
                )

    def big_ms(self, problem: MPECProblem) -> list[tuple[Bound, Bound]]:
        """(M^d_j, M^p_j) for every pair with their sources, or a ModelError naming the first pair
        without one; :class:`~.base.OutOfTime` when the derivation passes ``problem.deadline``."""
        given = [
            (_hint(self.dual_big_M, p.name), _hint(self.primal_big_M, p.name))
            for p in problem.pairs
        ]
        which = [(dual is None, primal is None) for dual, primal in given]
        derived = (
            big_m_bounds.derive(problem, which, problem.deadline) if any(map(any, which)) else []
        )
        out = []
        for j, (p, (dual, primal)) in enumerate(zip(problem.pairs, given)):
            m_dual = Bound(float(dual), "given") if dual is not None else derived[j][0]
            m_primal = Bound(float(primal), "given") if primal is not None else derived[j][1]
            if m_dual.value is None:
                raise ModelError(
                    f"bigm found no bound on the multiplier of {p.name} (FBBT, the LP and the vertex "
                    "bound over the KKT system leave it unbounded): pass "
                    "strategy=stackopt.BigM(dual_big_M=...) "
                    "(a float, or a dict by pair name), or strategy_options={'dual_big_M': ...}"
                )
            if m_primal.value is None:
                raise ModelError(
                    f"bigm found no upper bound on the slack of {p.name}: bound the Vars it uses, "
                    "or pass strategy=stackopt.BigM(primal_big_M=...) (or strategy_options)"
                )
            for what, m in (("multiplier", m_dual), ("slack", m_primal)):
                if m.value >= SOLVER_INFINITY:
                    raise ModelError(
                        f"bigm's bound on the {what} of {p.name} is {m.value:.3g} ("
                        f"{'given' if m.source == 'given' else 'derived: ' + m.source}), which "
                        f"SCIP and HiGHS take as infinite (>= {SOLVER_INFINITY:g}): bound "
                        "the Vars it uses tighter, pass dual_big_M / primal_big_M, or use "
                        "strategy='sos1' (no big-M)"
                    )
            out.append((m_dual, m_primal))
        return out

    def apply(self, problem: MPECProblem) -> None:
        b, pairs = problem.block, problem.pairs
        problem.derived = ms = self.big_ms(problem)
        idx = range(len(pairs))
        b.z = pyo.Var(idx, within=pyo.Binary)
        b.slack_nonneg = pyo.Constraint(idx, rule=lambda _, j: pairs[j].slack >= 0)
        b.dual_off = pyo.Constraint(idx, rule=lambda _, j: pairs[j].lam <= ms[j][0].value * b.z[j])
        b.primal_off = pyo.Constraint(
            idx, rule=lambda _, j: pairs[j].slack <= ms[j][1].value * (1 - b.z[j])
        )

    def complete_start(self, problem: MPECProblem) -> None:
        """z_j = 1 where the pair's slack is its zero side (s_j < lam_j), 0 where the multiplier
        is."""
        for j, p in enumerate(problem.pairs):
            lam, slack = value_or_none(p.lam), value_or_none(p.slack)
            if lam is not None and slack is not None:
                problem.block.z[j].set_value(1 if slack < lam else 0)

    def solve(
        self, problem: MPECProblem, solver: str, options: dict, deadline: float | None
    ) -> StrategyOutcome:
        """One solve, then the polishing of its point (:mod:`.exact_polish`). The solver's
        "optimal" is a global optimum of the MPEC only when every M is derived and none is active
        at the solver's point (module docstring); otherwise the outcome's caveat says why not. An
        "infeasible" says which follower has no best response, where one has none; under a
        given M it stands only where the derived M prove it (:func:`_given_infeasible`)."""
        run = explain_infeasible(problem, solve_once(problem, solver, options, deadline))
        history = [self._row(problem, run)]
        held = self._active(problem) if run.has_solution else []
        given = [
            f"{p.name}[{side}]"
            for p, bounds in zip(problem.pairs, problem.derived)
            for side, bound in zip(("dual", "primal"), bounds)
            if bound.source == "given"
        ]
        if run.status == "infeasible" and given:
            run = _given_infeasible(problem, run)
        caveat, warnings = "", []
        if held:
            caveat = (
                f"at its big-M bound on {', '.join(held)}: the MILP may have cut off the optimum "
                "(raise that M, or leave it out to have it derived)"
            )
            warnings.append(f"bigm: the solution is {caveat}")
            log.warning("%s", warnings[-1])
        elif given:
            caveat = (
                f"the big-M values given for {_listed(given)} bound the MILP's search: its optimum "
                "is global only within them, and a given M that is not active does not prove it "
                "valid (Pineda and Morales 2019); leave them out to have them derived"
            )
        caveat = caveat or price_caveat(problem)
        bound = problem.objective_value() if run.has_solution else None
        run, polished, own = self.polish_point(problem, run, deadline, history)
        info = {"big_m": self._table(problem), "big_m_active": held, **polished}
        return StrategyOutcome(run, history, info, caveat, warnings, bound, own)

    def _table(self, problem: MPECProblem) -> dict[str, dict]:
        """Each pair's M values and where they came from (``Result.info["big_m"]``)."""
        return {
            p.name: {
                "dual": m_dual.value,
                "dual_from": m_dual.source,
                "primal": m_primal.value,
                "primal_from": m_primal.source,
            }
            for p, (m_dual, m_primal) in zip(problem.pairs, problem.derived)
        }

    def _active(self, problem: MPECProblem) -> list[str]:
        """The pair sides (``name[dual]``, ``name[primal]``) at their M."""
        held = []
        for p, (m_dual, m_primal) in zip(problem.pairs, problem.derived):
            for side, expr, bound in (("dual", p.lam, m_dual), ("primal", p.slack, m_primal)):
                value = value_or_none(expr)
                if value is not None and big_m_bounds.active(value, bound.value):
                    held.append(f"{p.name}[{side}]")
        return held


def _given_infeasible(problem: MPECProblem, run: SolverRun) -> SolverRun:
    """``run``, the MILP's "infeasible" under some given M values, where it is a proof: every given
    M at least the bound :mod:`.big_m_bounds` derives for its side (valid at every point of the
    MPEC, so the MILP with the given M holds a point wherever the MPEC has one); otherwise an
    "error" saying so, for a given M too small may cut off every solution. The derivation runs on
    the KKT system without the MILP's rows (which would bound it by the given M)."""
    which = [tuple(b.source == "given" for b in bounds) for bounds in problem.derived]
    problem.block.deactivate()
    try:
        derived = big_m_bounds.derive(problem, which, problem.deadline)
    except OutOfTime:
        derived = None
    finally:
        problem.block.activate()
    if derived is None:
        why = "the time limit passed while deriving bounds to compare them with"
    else:
        short = [
            (f"{p.name}[{side}]", m.value, d.value)
            for p, given, found in zip(problem.pairs, problem.derived, derived)
            for side, m, d in zip(("dual", "primal"), given, found)
            if m.source == "given" and (d.value is None or m.value < d.value)
        ]
        if not short:
            message = then(
                run.message,
                "every given big-M is at least the bound derived for its side (valid at every "
                "point of the MPEC), so the MPEC is infeasible",
            )
            return SolverRun("infeasible", message, False, run.iterations)
        why = _listed(
            [
                f"{name}: no bound derived"
                if d is None
                else f"{name}: given {m:.3g}, derived {d:.3g}"
                for name, m, d in short
            ]
        )
    message = then(
        run.message,
        "the MILP is infeasible with big-M values given, which proves nothing: a "
        f"given M too small may cut off every solution ({why}); leave dual_big_M / primal_big_M "
        "out to have them derived, or use strategy='sos1' (no big-M)",
    )
    return SolverRun("error", message, False, run.iterations)
