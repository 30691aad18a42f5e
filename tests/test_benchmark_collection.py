"""The benchmark collection: every record's known optimum recomputed by a method, honestly.

Linear and quadratic-follower problems are solved globally (``sos1`` with SCIP); the nonlinear
ones by Scholtes from the model's start. The gnash instances 10, 11 and 16 take 20-40 s under
Scholtes and run in ``benchmarks/mpec_strategies.py`` instead. Integer leaders (PAO's pao3 and
barguel) are solved by ``sos1`` with SCIP, the MINLP over the leader's integers; problems with an
integer follower are checked for their tags only (a KKT system needs a continuous follower).
"""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.models.benchmarks import TAGS, problems

SLOW = {"gnash10", "gnash11", "gnash16"}
LOCAL = {"nash1", "stackelberg1"}
#: dempe's infimum 28.25 (x = 0) has no KKT point: the follower's only feasible z = 0 there has
#: no multiplier. Scholtes' warm-started path stops at the stationary inflection x = 1 (31.25);
#: the penalty's multipliers grow toward x = 0.
PENALTY = {"dempe"}
INTEGER = ["integer_leader", "integer_follower"]


def _method(name: str) -> dict:
    if name in PENALTY:
        return {"strategy": "penalty"}
    if name.startswith("gnash") or name in LOCAL:
        return {"strategy": "scholtes"}
    return {"strategy": "sos1"}


@pytest.mark.parametrize(
    "problem",
    [p for p in problems(exclude=["integer_follower"]) if p.name not in SLOW],
    ids=lambda p: p.name,
)
def test_known_optimum_is_recomputed(problem):
    res = so.solve(problem.build(), method="mpec", **_method(problem.name))
    assert res.success, (res.status, res.message)
    assert problem.solved(res.leader_objective), (res.leader_objective, problem.optimum)


@pytest.mark.parametrize("problem", problems(), ids=lambda p: p.name)
def test_record_matches_its_game(problem):
    game = problem.build()
    objective = next(game.component_objects(pyo.Objective, active=True, descend_into=False))
    assert problem.sense == ("maximize" if objective.sense == pyo.maximize else "minimize")
    assert problem.tags <= set(TAGS) and problem.source and problem.family
    discrete = {"integer_leader": False, "integer_follower": False}
    for var in game.component_data_objects(pyo.Var):
        if not var.is_continuous():
            owner = var.parent_block()
            key = "integer_leader" if owner is game else "integer_follower"
            discrete[key] = True
    assert {t for t, d in discrete.items() if d} == problem.tags & set(INTEGER)


def test_solved_rule_and_tag_filter():
    (bard1,) = [p for p in problems() if p.name == "bard1"]
    assert bard1.solved(17.0 + 1e-3) and not bard1.solved(17.0 + 1e-2) and not bard1.solved(None)
    assert all("linear" in p.tags for p in problems(tags=["linear"]))
    assert not any(set(INTEGER) & p.tags for p in problems(exclude=INTEGER))
    with pytest.raises(so.OptionError, match="unknown tags"):
        problems(tags=["convex"])
