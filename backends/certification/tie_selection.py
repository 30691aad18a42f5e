"""The tied response best for the leader (the optimistic convention where the followers' response
is a set).

A follower whose reduced Hessian has a zero eigenvalue at the recomputed equilibrium (an LP's
optimal face, a flat direction of a convex problem: :mod:`.second_order`) may have other best
responses there, and the optimistic bilevel problem judges the leader at the one best for it:

    min_y F(pi, y)  s.t.  y an equilibrium of the followers at pi,

the MPEC with the leader's decision held at pi. It is solved locally, from the recomputed
equilibrium, by the penalty strategy of ``method="mpec"`` (one start, polished), so the oracles'
choice among tied responses (the audit's follower min y1 + y2 s.t. y1 + y2 >= x: the oracle
answers y = (x/2, x/2), the leader's favourite is y = (x + 2, x - 2) / 2) no longer decides the
leader's objective. The caller keeps the point only where it is an equilibrium better for the
leader, with every Nash gap certified (:func:`stackopt.backends.evaluation.honest_result`).
"""

from __future__ import annotations

import numpy as np

from stackopt.certificate import EquilibriumCheck
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluator

#: a follower's relative reduced-Hessian eigenvalue at most this in magnitude: its response may tie
TIED_CURVATURE = 1e-8
#: Ipopt's options for the selection's penalized solves
OPTIONS = {"print_level": 0, "sb": "yes"}


def tied(check: EquilibriumCheck) -> bool:
    """Whether a follower's response may not be unique: a zero eigenvalue of its reduced
    Hessian (a free direction along which its objective is flat to second order)."""
    return any(
        f.second_order is not None and abs(f.second_order) <= TIED_CURVATURE
        for f in check.followers
    )


def best_tied_response(
    game: StackelbergGame, evaluator: KKTEvaluator, pi: np.ndarray, z: np.ndarray
) -> np.ndarray | None:
    """The followers' decisions (x, the first entries of z in the evaluator's order) at the
    solution of the MPEC with the leader held at ``pi``, solved by the penalty from ``z``; None
    when the penalty returns no point."""
    # imported here: the MPEC backend imports the evaluation, which imports this module
    from stackopt.backends.mpec_problem import MPECProblem
    from stackopt.backends.strategies.penalty import Penalty

    problem = MPECProblem(game)
    held = dict(zip(evaluator.leader_names, map(float, pi)))
    for v in problem.structure.leader_vars:  # held by equal bounds: still the NLP's columns
        v.setlb(held[v.name])
        v.setub(held[v.name])
        v.set_value(held[v.name], skip_validation=True)
    problem.set_values(dict(zip(evaluator.z_names, map(float, z))))
    strategy = Penalty()
    strategy.apply(problem)
    outcome = strategy.solve(problem, "ipopt", dict(OPTIONS), None)
    if not outcome.run.has_solution:
        return None
    values = problem.values()
    found = np.array(
        [values.get(n, np.nan) for n in evaluator.z_names[: evaluator.n_x]], dtype=float
    )
    return found if np.all(np.isfinite(found)) else None
