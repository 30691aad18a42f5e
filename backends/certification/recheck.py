"""``stackopt.certify(game, result)``: check a Result again, as the judge of a study would.

The Result's leader decision and follower point are loaded into a clone of ``game`` and judged by
the honest evaluation with the Result's status as the claim: the equilibrium is recomputed, each
follower's Nash gap and second-order condition, the leader's stationarity and feasibility are
checked, and the status is derived by the one rule (:func:`stackopt.certificate.derive_status`).
A success status whose certificate fails here was not earned.

Example::

    res = so.solve(g, method="mpec", strategy="scholtes")
    again = so.certify(g, res)
    assert again.status == res.status
"""

from __future__ import annotations

from stackopt.backends.evaluation import honest_result
from stackopt.discrete_leader import relaxed_leader
from stackopt.errors import ModelError
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.result import Result
from stackopt.solution_loading import load_solution
from stackopt.structure import analyze


def certify(game: StackelbergGame, result: Result) -> Result:
    """A fresh Result for ``result``'s point on ``game``, with ``result.status`` as the claim.

    A Result without a point (no leader decision or no recomputed equilibrium) is returned as it
    is: there is nothing to check. A game with cvxpy followers is refused (a ModelError): Pyomo
    cannot clone their cvxpy problems, and their Result carries the certificate of its solve."""
    if any(part.cvxpy is not None for part in analyze(game).followers):
        raise ModelError(
            "so.certify cannot recheck a game with cvxpy followers (Pyomo cannot clone their "
            "cvxpy problems); the Result of its solve carries its certificate"
        )
    clone = game.clone()
    if not load_solution(clone, result):
        return result
    judged = relaxed_leader(game)  # an integral decision is judged with continuous leader Vars
    structure = analyze(clone)
    values = {v.name: float(v.value) for v in structure.leader_vars + structure.follower_vars}
    return honest_result(
        judged,
        KKTEvaluator(judged),
        status=result.status,
        values=values,
        reported_objective=result.leader_objective,
        global_bound=result.certificate.global_bound if result.certificate else None,
    )
