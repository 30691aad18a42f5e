"""``stackopt.certify(game, result)``: check a Result again, as the judge of a study would.

The Result's leader decision and follower point are loaded into a clone of ``game`` and judged by
the honest evaluation with the method's claim (``result.certificate.claim``; the status when the
Result has no certificate): the equilibrium is recomputed, each follower's Nash gap and
second-order condition, the leader's stationarity and feasibility are checked, and the status is
derived by the one rule (:func:`stackopt.certificate.derive_status`). A success status whose
certificate fails here was not earned; a Result of ``so.solve(..., certify=False)`` earns here
the status the full certificate gives. A global solver's bound proves ``optimal`` only on the game
it was proven on: where ``game``'s fingerprint (:mod:`stackopt.game_fingerprint`) is not the
bound's, the game has changed since (a Param, a bound, a constraint), and the bound proves
nothing.

Example::

    res = so.solve(g, method="mpec", strategy="scholtes")
    again = so.certify(g, res)
    assert again.status == res.status
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from stackopt.backends.cvxpy_equilibrium import CvxpyEquilibrium, cvxpy_result
from stackopt.backends.evaluation import EQUILIBRIUM_TOL, honest_result
from stackopt.certificate import Certificate
from stackopt.discrete_leader import relaxed_leader
from stackopt.game import StackelbergGame
from stackopt.game_fingerprint import fingerprint
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.result import Result
from stackopt.solution_loading import load_solution
from stackopt.structure import analyze


def certify(game: StackelbergGame, result: Result) -> Result:
    """A fresh Result for ``result``'s point on ``game``, with its method's claim (module
    docstring).

    A Result without a point (no leader decision or no recomputed equilibrium) is returned as it
    is: there is nothing to check. A game with cvxpy followers is judged as its solve judged it
    (:func:`~stackopt.backends.cvxpy_equilibrium.cvxpy_result`: their best responses), and one
    with integer follower Vars as ``value-function`` judges its incumbent
    (:func:`~stackopt.backends.value_function.recheck`: the follower's MILP solved again)."""
    if result.certificate is not None and not isinstance(result.certificate, Certificate):
        raise ValueError(
            f"the Result's certificate is a {type(result.certificate).__name__}, not a "
            "stackopt Certificate (a Result rebuilt from to_dict()?): so.certify needs the "
            "Result so.solve returned"
        )
    clone = game.clone()
    if not load_solution(clone, result):
        return result
    structure = analyze(clone, integer_followers=True)
    certificate = result.certificate
    claim = certificate.claim if certificate is not None and certificate.claim else result.status
    bound = certificate.global_bound if certificate is not None else None
    if bound is not None and bound.proven and bound.game != fingerprint(game):
        bound = replace(bound, proven=False, caveat=CHANGED)
    if any(not v.is_continuous() for v in structure.follower_vars):
        from stackopt.backends.value_function import recheck  # loads SCIP's and HiGHS's checks

        leader = {v.name: float(v.value) for v in structure.leader_vars}
        response = {v.name: float(v.value) for v in structure.follower_vars}
        return recheck(game, leader, response, claim, bound)
    if any(part.cvxpy is not None for part in structure.followers):
        point = [
            np.array([float(v.value) for v in vs])
            for vs in (structure.leader_vars, structure.follower_vars)
        ]
        return cvxpy_result(
            structure,
            CvxpyEquilibrium(structure, EQUILIBRIUM_TOL),
            *point,
            status=claim,
            reported_objective=result.leader_objective,
        )
    values = {v.name: float(v.value) for v in structure.leader_vars + structure.follower_vars}
    judged = relaxed_leader(game)  # an integral decision is judged with continuous leader Vars
    return honest_result(
        judged,
        KKTEvaluator(judged),
        status=claim,
        values=values,
        reported_objective=result.leader_objective,
        global_bound=bound,
    )


#: why a proven bound proves nothing on the game given to certify
CHANGED = (
    "the game is not the one the global bound was proven on (it has changed since the solve: a "
    "Param, a bound, a constraint); solve it again for a proof"
)
