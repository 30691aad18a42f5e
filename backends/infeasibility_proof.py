"""A proof that a game has no feasible point: its high-point relaxation's feasible set is empty.

Every point (pi, x) of the bilevel problem lies in

    H = { (pi, x) : every active constraint of the game (the leader's, the followers', the shared
                    ones), every Var's bounds and domain },

the feasible set of the high-point relaxation (:mod:`.high_point`), which drops only the followers'
optimality. When H is empty, the game has no feasible point, whatever the method. Only a solver
that proves emptiness counts, on H with the objective 0: HiGHS where every constraint is linear (an
LP, or a MILP with integer Vars), SCIP otherwise (spatial branch and bound), never Ipopt, whose
"infeasible" is local (a stationary point of the constraints' violation). When H without the
leader's constraints is empty too, the followers cannot respond at any leader decision within the
leader's bounds, and the proof says so. A ``stackopt.dual`` price is a free Var in H, a relaxation
again.

Where H is an LP (every active constraint linear in continuous Vars), HiGHS decides it in
milliseconds, and ``so.solve`` asks before the method runs (:func:`prove_before`): an empty H is
"infeasible" at once, where a local method would search for a point first (Ipopt's restoration
phase on a shared capacity below the followers' demands: 26 s under mpec). That question is one
LP from the game's rows as arrays (:mod:`.linear_domain`: about 1 ms on MacMPEC's bard1,
where the clone and Pyomo's HiGHS interface took 3.5 ms of a 75 ms solve); only an H
found empty gets the proof below. Where H needs SCIP or a MILP, the proof waits until a method
has failed (:func:`judge`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.common.collections import ComponentSet
from pyomo.core.expr.numvalue import is_fixed
from pyomo.core.expr.visitor import identify_variables

from stackopt.backends.high_point import relaxation
from stackopt.backends.solvers import (
    FEASIBILITY_OBJECTIVE,
    LOCAL_SOLVERS,
    available,
    run_solver,
)
from stackopt.errors import ModelError, explained
from stackopt.game import StackelbergGame
from stackopt.messages import then
from stackopt.result import Result
from stackopt.structure import analyze

#: seconds a proof may take (the solve's time left, if less): it runs before the method (an LP)
#: or after it has failed, while the user waits. HiGHS decides a small linear relaxation in ms
#: (clone and all: 0.03 s), SCIP finds a point of the paper-size security game's (5 x 100) in
#: 0.4 s and of the QRE subsidy game's (3 x 10, 3000 Vars) in 0.7 s; a relaxation that SCIP
#: cannot decide in a few seconds leaves the method's status as it was
PROOF_SECONDS = 5.0
#: the solvers whose "infeasible" is a proof, as the messages name them
_NAMES = {"highs": "HiGHS", "scip": "SCIP"}


@dataclass
class InfeasibilityProof:
    """Whether H (module docstring) is proven empty, and what was proven, or why not."""

    proven: bool
    message: str


def prove_before(game: StackelbergGame, time_left: float | None) -> InfeasibilityProof | None:
    """The proof (:func:`prove_within`) where H is an LP, which HiGHS decides before a
    method runs (4 ms on MacMPEC's bard1, whose H is feasible); None where H is not an LP
    (nonlinear: SCIP's spatial branch and bound; integer Vars: a MILP), whose proof a feasible
    game should not pay for before its method, or where HiGHS is missing."""
    try:  # H's constraints are the game's active ones (.high_point.relaxation clones them)
        if not (available("highs") and _linear(game, continuous=True)):
            return None
        if _has_point(game, time_left):
            return InfeasibilityProof(
                False, "not proven infeasible: HiGHS finds a point of the high-point relaxation"
            )
    except Exception:  # an expression Pyomo cannot read: the method names the fault
        return None
    return prove_within(game, time_left)


def _has_point(game: StackelbergGame, time_left: float | None) -> bool:
    """Whether HiGHS finds a point of H, an LP here (:func:`prove_before`): the game's active rows
    in every Var they use, one LP from arrays (:mod:`.linear_domain`); False where it finds none
    (infeasible, or HiGHS undecided), which the full proof then judges."""
    from stackopt.backends.linear_domain import linear_domain

    used = ComponentSet()
    for c in game.component_data_objects(pyo.Constraint, active=True):
        used.update(identify_variables(c.body, include_fixed=False))
    if not used:  # every row constant: the structure check has refused those that do not hold
        return True
    domain = linear_domain(game, [], list(used))
    budget = PROOF_SECONDS if time_left is None else max(1e-3, min(PROOF_SECONDS, time_left))
    return domain is not None and domain.feasible(np.zeros(0), budget) is True


def prove_within(game: StackelbergGame, time_left: float | None) -> InfeasibilityProof:
    """:func:`prove_infeasible` within PROOF_SECONDS, or ``time_left`` seconds if less; a
    solver's exception is no proof."""
    budget = PROOF_SECONDS if time_left is None else min(PROOF_SECONDS, time_left)
    if budget <= 0:
        return InfeasibilityProof(False, "not proven infeasible: the time limit has passed")
    try:
        return prove_infeasible(game, budget)
    except Exception as exc:
        return InfeasibilityProof(False, f"not proven infeasible: {explained(exc)}")


def judge(
    result: Result,
    game: StackelbergGame,
    time_left: float | None,
    decided: InfeasibilityProof | None = None,
) -> None:
    """Give ``result``, a method's Result without a success and without a feasible point, the
    status "infeasible" where :func:`prove_infeasible` proves the game infeasible (within
    PROOF_SECONDS, or ``time_left`` seconds if less; ``decided``: the proof made before the
    method ran, not made again), with a message naming the proof. A local solver's own
    "infeasible" (Ipopt's) without that proof becomes "error"; a global solver's (an exact MPEC
    strategy's, value-function's; bigm's under a given M only where its derived M prove it)
    stands unchecked, and so does an "infeasible" measured at the
    method's point. ``result.info["infeasibility"]`` says what the proof found."""
    claimed = result.status == "infeasible" and (
        result.certificate is None or result.certificate.claim == "infeasible"
    )
    local = claimed and result.info.get("solver") in LOCAL_SOLVERS
    if claimed and not local:  # a global solver proved the game's reformulation infeasible
        return
    if decided is None:
        decided = prove_within(game, time_left)
    result.info["infeasibility"] = decided.message
    if decided.proven:
        said = f"{result.status}: {result.message}" if result.message else result.status
        result.status, result.message = "infeasible", f"{decided.message} (the method ended {said})"
    elif local:
        result.status = "error"
        result.message = then(
            result.message,
            f"{result.info['solver']}'s infeasibility is local, no proof (the game is "
            f"{decided.message})",
        )


def prove_infeasible(game: StackelbergGame, time_limit: float) -> InfeasibilityProof:
    """Decide whether ``game``'s high-point relaxation has no point, within ``time_limit`` seconds
    (module docstring); a model that breaks the modelling rules, or a solver failure, is no proof."""
    try:
        structure = analyze(game, integer_followers=True)
    except ModelError as exc:
        return InfeasibilityProof(False, f"the game's structure: {exc}")
    model, leader_objective = relaxation(structure)
    if next(model.component_data_objects(pyo.Constraint, active=True), None) is None:
        return InfeasibilityProof(
            False, "not proven infeasible: the game has no constraint (only the Vars' bounds)"
        )
    leader_objective.deactivate()
    model.add_component(FEASIBILITY_OBJECTIVE, pyo.Objective(expr=0.0))
    solver = "highs" if _linear(model) and available("highs") else "scip"
    if not available(solver):
        return InfeasibilityProof(False, "no global solver (HiGHS, SCIP) on this machine")
    name = _NAMES[solver]
    deadline = time.perf_counter() + time_limit
    run = run_solver(model, solver, {}, time_limit)
    if run.status != "infeasible":
        if run.status in ("optimal", "feasible"):
            why = f"{name} finds a point of the high-point relaxation"
        elif run.status == "time_limit":
            why = f"{name} decided nothing within {time_limit:.3g} s"
        else:
            why = run.message
        return InfeasibilityProof(False, f"not proven infeasible: {why}")
    for c in structure.constraints:  # the leader's: do the followers' alone have no point?
        model.find_component(c.name).deactivate()
    left = deadline - time.perf_counter()
    if structure.constraints and not (
        left > 0 and run_solver(model, solver, {}, left).status == "infeasible"
    ):
        return InfeasibilityProof(
            True,
            "the leader's and followers' constraints have no common point: "
            f"{name} proves the high-point relaxation infeasible",
        )
    return InfeasibilityProof(
        True,
        "the followers' constraints have no point at any leader decision within the leader's "
        f"bounds: {name} proves them infeasible",
    )


def _linear(model: pyo.Block, continuous: bool = False) -> bool:
    """Whether every active constraint of ``model`` is linear (of polynomial degree at most 1:
    0.7 ms on the paper-size security game, whose budget row Pyomo's standard form takes 10 ms
    to find nonlinear), with constant sides (and, with ``continuous``, in continuous Vars only)."""
    for c in model.component_data_objects(pyo.Constraint, active=True):
        if not all(side is None or is_fixed(side) for side in (c.lower, c.upper)):
            return False
        if c.body.polynomial_degree() not in (0, 1):
            return False
        if continuous and not all(
            v.is_continuous() for v in identify_variables(c.body, include_fixed=False)
        ):
            return False
    return True
