"""Why an exact strategy's MPEC may have no point: a follower without a best response.

The MPEC replaces each follower by its KKT conditions, which have no point at a leader decision
where the follower's problem is unbounded (no best response): where that holds at every leader
decision, the global solver's "infeasible" is right but does not say why. For a follower that
is affine in its own Vars y (the others' and the leader's Vars held at their values), with cost
c . y + ... and rows a_j . y + b_j <= 0 (its constraints, its Vars' bounds, the shared constraints
that bind it) and a_k . y + b_k = 0, the problem is unbounded exactly when it has a feasible point
and its rows' recession cone holds a direction along which the cost falls:

    min c . d   s.t.   a_j . d <= 0,   a_k . d = 0,   -1 <= d <= 1      (value < 0)

A follower whose Vars all have finite bounds is never unbounded (its cost, continuous on a box,
has a minimum on the box's points); one that is not affine in its own Vars is not decided.
Both LPs (this one and the feasibility of the rows) go to HiGHS through scipy. Where c and every
a are constants (the follower's rows and cost affine in all the game's Vars), the direction serves
at every leader decision; otherwise the finding holds at the decision tested: the solver's start
(the leader's values, within their bounds), for the solver returns no point with "infeasible".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyomo.environ as pyo
from pyomo.core.expr.visitor import identify_variables, replace_expressions
from pyomo.repn import generate_standard_repn

from stackopt.backends.lifted_expressions import LIFTED_BLOCK
from stackopt.backends.mpec_problem import MPECProblem
from stackopt.backends.solvers import SolverRun
from stackopt.kkt import Equality, Row
from stackopt.messages import then

#: a cost whose least value on the normalized recession cone is above -RAY_TOL * max(1, |c|)
#: does not fall along it
RAY_TOL = 1e-9
#: the Vars a direction names one by one; beyond, it gives their number
LISTED = 4


@dataclass
class _Verdict:
    """One follower's verdict: the direction (Var name -> component) along which its cost falls,
    whether it holds at every leader decision, whether its rows have a point at the decision
    tested; or why it was not decided."""

    direction: dict[str, float] | None = None
    everywhere: bool = False
    feasible: bool = False
    undecided: str = ""


def explain_infeasible(problem: MPECProblem, run: SolverRun) -> SolverRun:
    """``run`` with its message extended, where the solver found the MPEC infeasible, by the
    followers without a best response (module docstring), or by what was not decided."""
    if run.status != "infeasible":
        return run
    structure = problem.kkt.structure
    at = _decision(problem)
    verdicts = [_verdict(problem, i, at) for i in range(len(structure.followers))]
    names = [part.name for part in structure.followers]
    found = [(n, v) for n, v in zip(names, verdicts) if v.direction is not None]
    if found:
        text = "; ".join(_finding(n, v, at, structure.leader_vars) for n, v in found)
        if any(v.everywhere for _, v in found):
            message = f"the MPEC has no point because a follower has no best response: {text}"
        else:
            message = f"the MPEC has no point where a follower has no best response: {text}"
    else:
        open_ = [f"{n} ({v.undecided})" for n, v in zip(names, verdicts) if v.undecided]
        if not open_:
            return run
        message = (
            "the MPEC also has no point where a follower's problem is unbounded (no best "
            f"response) at every leader decision; not decided for {', '.join(open_)}"
        )
    return SolverRun(run.status, then(run.message, message), run.has_solution, run.iterations)


def _decision(problem: MPECProblem) -> dict[int, float]:
    """Every Var of the model by id -> its value moved into its bounds (0 where it has none)."""
    out = {}
    for v in problem.model.component_data_objects(pyo.Var, descend_into=True):
        value = 0.0 if v.value is None else float(v.value)
        if v.lb is not None:
            value = max(value, float(v.lb))
        if v.ub is not None:
            value = min(value, float(v.ub))
        out[id(v)] = value
    return out


def _verdict(problem: MPECProblem, i: int, at: dict[int, float]) -> _Verdict:
    kkt = problem.kkt
    part = kkt.structure.followers[i]
    if all(v.lb is not None and v.ub is not None for v in part.vars):
        return _Verdict()  # a cost continuous on a box has its minimum wherever the box has points
    own = {id(v): r for r, v in enumerate(part.vars)}
    lifted = problem.model.component(LIFTED_BLOCK)
    hidden = set() if lifted is None else {id(v) for v in lifted.component_data_objects(pyo.Var)}
    rows: list[Row] = [*kkt.inequalities, *kkt.equalities, *kkt.implied]
    mine = [row for row in rows if i in row.binds]
    exprs = [part.sign * part.objective.expr, *(row.expr for row in mine)]
    if any(id(v) in hidden for e in exprs for v in identify_variables(e)):
        return _Verdict(undecided="it uses named Expressions")
    affine = [_affine(e, own, at) for e in exprs]
    if any(a is None for a in affine):
        return _Verdict(undecided="not affine in its own Vars")
    pairs = [a for a in affine if a is not None]
    cost = pairs[0][0]
    if not cost.any():
        return _Verdict()
    everywhere = all(generate_standard_repn(e, quadratic=False).is_linear() for e in exprs)
    equal = np.array([isinstance(row, Equality) for row in mine], dtype=bool)
    matrix = np.array([a for a, _ in pairs[1:]]).reshape(len(mine), len(own))
    constants = np.array([b for _, b in pairs[1:]])
    direction = _ray(cost, matrix, equal)
    if direction is None:
        return _Verdict(undecided="" if everywhere else "tested at the start's decision only")
    named = {v.name: float(d) for v, d in zip(part.vars, direction) if abs(d) > RAY_TOL}
    return _Verdict(named, everywhere, _feasible(matrix, constants, equal))


def _affine(expr: Any, own: dict[int, int], at: dict[int, float]) -> tuple | None:
    """(a, b) with ``expr`` = a . y + b in the follower's own Vars y, the other Vars at their
    values in ``at``; None where it is not affine in y."""
    others = {id(v): at[id(v)] for v in identify_variables(expr) if id(v) not in own}
    repn = generate_standard_repn(replace_expressions(expr, others), quadratic=False)
    if not repn.is_linear():
        return None
    a = np.zeros(len(own))
    for v, coef in zip(repn.linear_vars, repn.linear_coefs):
        a[own[id(v)]] += float(coef)
    return a, float(repn.constant)


def _ray(cost: np.ndarray, matrix: np.ndarray, equal: np.ndarray) -> np.ndarray | None:
    """A direction of the rows' recession cone with cost . d < 0 (module docstring), or None."""
    from scipy.optimize import linprog  # here: importing stackopt loads no scipy

    lp = linprog(
        cost,
        A_ub=matrix[~equal] if (~equal).any() else None,
        b_ub=np.zeros((~equal).sum()) if (~equal).any() else None,
        A_eq=matrix[equal] if equal.any() else None,
        b_eq=np.zeros(equal.sum()) if equal.any() else None,
        bounds=[(-1.0, 1.0)] * len(cost),
        method="highs",
    )
    if lp.status != 0 or lp.fun >= -RAY_TOL * max(1.0, float(np.linalg.norm(cost))):
        return None
    return lp.x


def _feasible(matrix: np.ndarray, constants: np.ndarray, equal: np.ndarray) -> bool:
    """Whether the rows a . y + b <= 0 (= 0 where ``equal``) have a point (an LP,
    :class:`~stackopt.backends.linear_domain.LinearDomain`)."""
    from stackopt.backends.linear_domain import LinearDomain  # here: it loads scipy

    rows = len(constants)
    domain = LinearDomain(
        matrix,
        np.zeros((rows, 0)),
        constants,
        np.where(equal, 0.0, -np.inf),
        np.zeros(rows),
        [(None, None)] * matrix.shape[1],
    )
    return domain.feasible(np.zeros(0)) is True


def _finding(name: str, verdict: _Verdict, at: dict[int, float], leader: list) -> str:
    """What ``verdict`` says of follower ``name``, in words."""
    assert verdict.direction is not None
    items = list(verdict.direction.items())
    shown = ", ".join(f"{v}: {d:+.3g}" for v, d in items[:LISTED])
    if len(items) > LISTED:
        shown += f" and {len(items) - LISTED} more"
    decision = ", ".join(f"{v.name} = {at[id(v)]:.6g}" for v in leader[:LISTED])
    if len(leader) > LISTED:
        decision += ", ..."
    ray = f"its cost falls without bound along the direction ({shown}) of its feasible set; HiGHS"
    if verdict.everywhere:
        where = "at every leader decision where its feasible set is not empty"
        if verdict.feasible:
            where = f"at {decision} and {where}"
        return f"follower {name}'s problem is unbounded {where} ({ray})"
    if verdict.feasible:
        return f"follower {name}'s problem is unbounded at {decision} ({ray})"
    return (
        f"follower {name}'s problem may be unbounded: at {decision} its cost falls without bound "
        f"along the direction ({shown}) of its rows' recession cone, though its feasible set is "
        "empty there (HiGHS)"
    )
