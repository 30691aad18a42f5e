"""``implicit-pg`` and its reformulation twin ``markov-nlp`` on Markov Stackelberg games.

Exact test (one state): the follower's best response is softmax(R2^T pi1 / lam), so the leader's
problem is the single-level NLP max_p pi1^T R1 softmax(R2^T pi1 / lam) / (1 - gamma) over the
simplex, solved here independently by Ipopt on its own Pyomo model and by a fine grid.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest
from scipy.special import softmax

import stackopt as so
from stackopt.errors import OptionError
from stackopt.markov import random_markov_game
from tests.test_markov_game import one_state


def single_level_nlp(game: so.MarkovStackelbergGame) -> float:
    """The leader's probability of action 0 at the optimum of the one-state NLP, by Ipopt."""
    R1, R2, lam = game.R1[0], game.R2[0], game.lam
    m = pyo.ConcreteModel()
    m.p = pyo.Var([0, 1], bounds=(0, 1), initialize=0.5)
    m.mixed = pyo.Constraint(expr=m.p[0] + m.p[1] == 1)
    weight = [pyo.exp(sum(m.p[a] * R2[a, b] for a in range(2)) / lam) for b in range(2)]
    payoff = sum(m.p[a] * R1[a, b] * weight[b] for a in range(2) for b in range(2))
    m.value = pyo.Objective(expr=payoff / sum(weight), sense=pyo.maximize)
    pyo.SolverFactory("cyipopt").solve(m, options={"tol": 1e-10, "print_level": 0})
    return m.p[0].value


def test_one_state_leader_optimum_matches_the_single_level_nlp_and_a_grid():
    game = one_state()
    r = so.solve(game, "implicit-pg", tol=1e-8)
    assert r.status == "locally_optimal"
    p = single_level_nlp(game)
    grid = np.linspace(0, 1, 100001)
    policies = np.stack([grid, 1 - grid], axis=1)
    responses = softmax(policies @ game.R2[0] / game.lam, axis=1)
    values = np.einsum("na,ab,nb->n", policies, game.R1[0], responses) / (1 - game.gamma)
    assert 0.01 < p < 0.99  # an interior optimum, so the logits converge
    assert grid[np.argmax(values)] == pytest.approx(p, abs=1e-5)
    assert r.leader["pi1"][(0, 0)] == pytest.approx(p, abs=1e-6)
    assert r.leader_objective == pytest.approx(values.max(), abs=1e-8)
    response = softmax(np.array([p, 1 - p]) @ game.R2[0] / game.lam)
    assert r.followers["follower"]["pi2"][(0, 0)] == pytest.approx(response[0], abs=1e-5)
    assert r.history[-1]["stationarity"] <= 1e-8
    twin = so.solve(game, "markov-nlp")
    assert twin.leader["pi1"][(0, 0)] == pytest.approx(p, abs=1e-6)
    assert twin.reported_objective == pytest.approx(twin.leader_objective, abs=1e-8)


@pytest.mark.parametrize(("states", "seed"), [(2, 0), (3, 1), (2, 2), (3, 3)])
def test_implicit_pg_and_the_soft_bellman_nlp_agree_on_random_games(states, seed):
    game = random_markov_game(states=states, seed=seed)
    pg = so.solve(game, "implicit-pg", leader_step=1.0, follower_step=2.0, max_iter=1500)
    nlp = so.solve(game, "markov-nlp")
    assert nlp.status == "locally_optimal"
    assert nlp.reported_objective == pytest.approx(nlp.leader_objective, abs=1e-7)
    # the optima sit at deterministic leader policies, which softmax logits approach as 1/k
    assert 0 <= nlp.leader_objective - pg.leader_objective < 3e-3
    pi_pg, pi_nlp = (np.array(list(r.leader["pi1"].values())) for r in (pg, nlp))
    np.testing.assert_allclose(pi_pg, pi_nlp, atol=1e-2)
    assert pg.history[-1]["leader_value"] == pytest.approx(pg.reported_objective)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"leader_step": 0.0}, "leader_step must be > 0"),
        ({"leader_step": 3.0, "follower_step": 1.0}, "leader_step <= follower_step"),
        ({"max_iter": 0}, "max_iter must be a positive integer"),
        ({"tol": -1.0}, "tol must be > 0"),
    ],
)
def test_bad_options_are_refused_naming_the_option(options, match):
    with pytest.raises(OptionError, match=match):
        so.solve(one_state(), "implicit-pg", **options)


@pytest.mark.parametrize("method", ["implicit-pg", "markov-nlp"])
def test_a_pyomo_game_is_refused_by_the_markov_methods(method):
    with pytest.raises(so.ModelError, match=f"method '{method}' needs a stackopt.MarkovStack"):
        so.solve(so.models.duopoly(), method)
