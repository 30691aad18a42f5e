"""The LU of J_z with the inactive constraints eliminated solves exactly like SuperLU of all of J_z."""

import numpy as np
import pytest
import scipy.sparse.linalg as spla

from stackopt.backends.oracles.kkt import KKTOracle
from stackopt.backends.start_points import current_value
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.models import bard1, cyber_insurance, qre_subsidy, security_game


def _bard1_at_its_optimum():
    game = bard1()
    game.x.set_value(1.0)  # at x = 0 the follower has no feasible point
    return game


GAMES = {  # (game, how many constraints are clearly inactive at its equilibrium, at least)
    "qre (bounds x >= 0, all inactive)": (qre_subsidy(n=2, actions=3, seed=0), 12),
    "security (0 <= x <= 1, some active)": (
        security_game(defenders=2, targets=6, patrol=3, resources=1.0, seed=0),
        6,
    ),
    "cyber (x >= 0)": (cyber_insurance(agents=3, risk_aversion=0.2, seed=0), 1),
    "bard1 (general inequalities)": (_bard1_at_its_optimum(), 2),
}


def _at_equilibrium(game):
    ev = KKTEvaluator(game)
    parts = ev.kkt.structure
    z, pi = ev.values_of(
        {v.name: current_value(v) for v in parts.leader_vars + parts.follower_vars}
    )
    eq = KKTOracle(game, ev)(pi, z)
    assert eq.converged
    return ev.evaluate(eq.z, pi)


@pytest.mark.parametrize("name", GAMES)
def test_solves_match_superlu_of_the_whole_matrix(name, factorization):
    game, inactive = GAMES[name]
    at = _at_equilibrium(game)
    lu, reference = at.lu, spla.splu(at.jac_z.tocsc())
    assert len(lu.d) >= inactive and len(lu.keep_rows) + len(lu.d) == at.jac_z.shape[0]
    rng = np.random.default_rng(0)
    for rhs in (rng.normal(size=at.jac_z.shape[0]), rng.normal(size=(at.jac_z.shape[0], 3))):
        for trans in ("N", "T"):
            assert lu.solve(rhs, trans=trans) == pytest.approx(
                reference.solve(rhs, trans=trans), rel=1e-9, abs=1e-11
            )
    assert lu.pivots().min() != 0 and at.nonsingular
