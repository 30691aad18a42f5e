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
    r = so.solve(game, "implicit-pg", tol=1e-8, max_iter=3000)
    assert r.status == "locally_optimal"
    assert r.certificate.stationarity.kind == "S"
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
    assert twin.status == "locally_optimal"
    assert twin.leader["pi1"][(0, 0)] == pytest.approx(p, abs=1e-6)
    assert twin.reported_objective == pytest.approx(twin.leader_objective, abs=1e-8)


@pytest.mark.parametrize(("states", "seed"), [(2, 0), (3, 1), (2, 2), (3, 3)])
def test_implicit_pg_and_the_soft_bellman_nlp_agree_on_random_games(states, seed):
    game = random_markov_game(states=states, seed=seed)
    pg = so.solve(game, "implicit-pg", leader_step=20.0, follower_step=20.0, max_iter=600)
    nlp = so.solve(game, "markov-nlp")
    assert nlp.status == "locally_optimal"
    assert nlp.reported_objective == pytest.approx(nlp.leader_objective, abs=1e-7)
    # the optima sit at deterministic leader policies, which softmax logits approach slowly: the
    # run ends unconverged, and says so
    assert pg.status == "iteration_limit"
    assert 0 <= nlp.leader_objective - pg.leader_objective < 1e-2
    pi_pg, pi_nlp = (np.array(list(r.leader["pi1"].values())) for r in (pg, nlp))
    np.testing.assert_allclose(pi_pg, pi_nlp, atol=5e-2)
    assert pg.history[-1]["leader_value"] == pytest.approx(pg.reported_objective, abs=1e-3)


def test_implicit_pg_does_not_stop_at_a_saturated_local_minimum():
    """The inspection game: equal constant steps of 2.0 drive the leader to a saturated policy
    p = 1e-11..1e-238 (V1 = -3.973, a local minimum) where the logits' gradient vanishes, after
    about 3,000 steps; started there, the policy-space criterion keeps the run going and
    unconverged. The default decaying schedules reach the optimum -0.45395 at p = 0.415."""
    game = one_state()
    equal = dict(leader_step=2.0, follower_step=2.0, leader_schedule=0.0, follower_schedule=0.0)
    with pytest.raises(OptionError, match="single_timescale=True"):
        so.solve(game, "implicit-pg", **equal)
    saturated = np.array([[1e-11, 1 - 1e-11]])
    r = so.solve(game, "implicit-pg", single_timescale=True, max_iter=50, start=saturated, **equal)
    assert r.leader["pi1"][(0, 0)] < 1e-9 and r.leader_objective == pytest.approx(-3.973, abs=1e-3)
    assert r.status == "iteration_limit" and r.history[-1]["leader_stationarity"] > 1.0
    # a claim at that point is refused by the certificate's policy-space check
    from stackopt.backends.markov.outcome import policy_result

    claimed = policy_result(
        game, np.array([[1e-9, 1 - 1e-9]]), status="locally_optimal", reported=0.0
    )
    assert claimed.status == "feasible" and claimed.certificate.stationarity.kind == "none"
    good = so.solve(game, "implicit-pg")
    assert good.status == "locally_optimal"
    assert good.leader_objective == pytest.approx(-0.45395, abs=1e-5)
    assert good.leader["pi1"][(0, 0)] == pytest.approx(0.415, abs=1e-3)


def one_state_values(game: so.MarkovStackelbergGame, n: int = 400) -> np.ndarray:
    """The leader's value on a grid of the 3-action simplex (one state)."""
    a, b = np.meshgrid(np.linspace(0, 1, n + 1), np.linspace(0, 1, n + 1))
    keep = a + b <= 1
    policies = np.stack([a[keep], b[keep], 1 - a[keep] - b[keep]], axis=1)
    responses = softmax(policies @ game.R2[0] / game.lam, axis=1)
    return np.einsum("na,ab,nb->n", policies, game.R1[0], responses) / (1 - game.gamma)


def test_multistart_finds_the_better_of_two_local_maxima():
    game = random_markov_game(states=1, leader_actions=3, follower_actions=3, seed=36, lam=0.1)
    best = one_state_values(game).max()
    single = so.solve(game, "markov-nlp")
    several = so.solve(game, "markov-nlp", multistart=8, seed=1)
    assert single.status == several.status == "locally_optimal"
    assert single.leader_objective == pytest.approx(2.0108, abs=1e-4)
    assert several.leader_objective == pytest.approx(2.9564, abs=1e-4)
    assert best <= several.leader_objective + 1e-4  # the grid finds nothing better
    assert len(several.info["starts"]) == 8
    again = so.solve(game, "markov-nlp", start=np.array([list(several.leader["pi1"].values())]))
    assert again.leader_objective == pytest.approx(several.leader_objective, abs=1e-7)
    pg = so.solve(game, "implicit-pg", multistart=3, seed=1, max_iter=100)
    assert pg.leader_objective == max(s["leader_objective"] for s in pg.info["starts"])


def test_markov_nlp_callback_and_time_limit_end_the_starts():
    game = random_markov_game(states=1, leader_actions=3, follower_actions=3, seed=36, lam=0.1)
    states = []
    first = so.solve(game, "markov-nlp", multistart=8, seed=1, callback=states.append)
    assert [s["start"] for s in states] == list(range(8))  # None: no stop
    assert max(s["objective"] for s in states) == first.leader_objective
    stopped = so.solve(game, "markov-nlp", multistart=8, seed=1, callback=lambda s: True)
    assert stopped.leader_objective == pytest.approx(states[0]["objective"])
    assert "starts" not in stopped.info  # one start ran
    timed = so.solve(game, "markov-nlp", multistart=8, seed=1, time_limit=1e-6)
    assert "starts" not in timed.info and timed.info["stopped"]  # one start, then the clock
    if timed.status == "time_limit":  # Ipopt got 1 ms of CPU; it may finish within it
        assert "time" in timed.message.lower()
    with pytest.raises(OptionError, match="option time_limit must be > 0, got 0"):
        so.solve(game, "markov-nlp", time_limit=0)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"leader_step": 0.0}, "option leader_step must be > 0, got 0.0"),
        (
            {
                "leader_step": 3.0,
                "follower_step": 1.0,
                "single_timescale": True,
                "leader_schedule": 0.5,
                "follower_schedule": 0.5,
            },
            "leader_step <= follower_step",
        ),
        ({"leader_schedule": 0.3}, "leader_schedule 0.3 must decay faster"),
        ({"multistart": 0}, "option multistart must be a positive integer, got 0"),
        ({"start": np.ones((1, 3)) / 3}, "start must be a leader policy"),
        ({"start": np.array([[np.nan, 1.0]])}, "start must be a leader policy: .* finite"),
        ({"max_iter": 0}, "option max_iter must be a positive integer, got 0"),
        ({"tol": -1.0}, "option tol must be > 0, got -1.0"),
    ],
)
def test_bad_options_are_refused_naming_the_option(options, match):
    with pytest.raises(OptionError, match=match):
        so.solve(one_state(), "implicit-pg", **options)


@pytest.mark.parametrize("method", ["implicit-pg", "markov-nlp"])
def test_a_pyomo_game_is_refused_by_the_markov_methods(method):
    with pytest.raises(so.ModelError, match=f"method '{method}' needs a stackopt.MarkovStack"):
        so.solve(so.models.duopoly(), method)


def test_implicit_pg_with_equal_steps_asked_explicitly_leaves_the_saturated_start():
    """Issue 21's case: leader_step = follower_step = 2.0 (default decaying schedules) once ended
    at p = 4.5e-11 (V1 = -3.973) claimed locally_optimal; it climbs to the optimum -0.45395 at
    p = 0.415 and, not yet stationary to tol after 1,000 steps, says so."""
    r = so.solve(one_state(), "implicit-pg", leader_step=2.0, follower_step=2.0, max_iter=1000)
    assert r.leader["pi1"][(0, 0)] == pytest.approx(0.415, abs=1e-3)
    assert r.leader_objective == pytest.approx(-0.45395, abs=1e-5)
    assert r.status == "iteration_limit" and "> tol 1e-06 after 1000 steps" in r.message


def _one_state(lam: float) -> so.MarkovStackelbergGame:
    """One state, gamma 1/2: the follower answers softmax(r2 / lam) with r2 = (1 - p, p) for the
    leader's pi1 = (p, 1 - p), and the leader earns 2 (p pi2_0 + (1 - p) pi2_1 / 2)."""
    P = np.ones((1, 2, 2, 1))
    R1 = np.array([[[1.0, 0.0], [0.0, 0.5]]])
    R2 = np.array([[[0.0, 1.0], [1.0, 0.0]]])
    return so.MarkovStackelbergGame(P, R1, R2, 0.5, np.array([1.0]), lam)


def test_the_soft_best_response_holds_where_the_softmax_underflows():
    """At lam = 1e-3 and pi1 = (0.9, 0.1) the payoff gap over lam is 800: exp(-800) is 0 in
    floating point, and pi2 log pi2 was 0 * log 0 = nan (soft policy iteration then ran out of
    iterations); V = lam logsumexp(r2 / lam) / (1 - gamma)."""
    from scipy.special import logsumexp

    from stackopt.backends.markov.soft_bellman import soft_best_response

    game = _one_state(1e-3)
    pi2, V = soft_best_response(game, np.array([[0.9, 0.1]]))
    r2 = np.array([0.1, 0.9])
    assert V[0] == pytest.approx(1e-3 * logsumexp(r2 / 1e-3) / 0.5, rel=1e-12)
    assert pi2[0] == pytest.approx([0.0, 1.0], abs=1e-300)


def test_ipopt_s_local_infeasibility_is_an_error_of_markov_nlp_not_an_infeasible_game():
    """From its default start Ipopt ends in local infeasibility on this game, which cannot be
    infeasible; five starts reach the optimum of a grid over p (closed form above)."""
    game = _one_state(2e-3)
    res = so.solve(game, method="markov-nlp")
    assert res.status == "error" and "never infeasible" in res.message
    p = np.linspace(0.0, 1.0, 200_001)
    pi2 = softmax(np.stack([1 - p, p]) / 2e-3, axis=0)
    best = float(np.max(2 * (p * pi2[0] + (1 - p) * pi2[1] / 2)))
    found = so.solve(game, method="markov-nlp", multistart=5)
    assert found.success and found.leader_objective == pytest.approx(best, abs=1e-5)


def test_implicit_pg_returns_its_best_policy_when_the_ascent_ends_lower():
    """lam = 0.01: the follower lags the leader's long default steps and the last iterate is
    worth 0.80, below the uniform start's 1.43 (closed form: one state, softmax response)."""
    game = random_markov_game(states=1, lam=0.01, seed=3)
    R1, R2 = game.R1[0], game.R2[0]

    def value(p: np.ndarray) -> float:
        return float(p @ R1 @ softmax(p @ R2 / game.lam)) / (1 - game.gamma)

    start = value(np.array([0.5, 0.5]))
    assert start == pytest.approx(1.43295, abs=1e-5)
    r = so.solve(game, "implicit-pg", max_iter=2000)
    assert r.status == "iteration_limit"
    assert "returned the best leader policy" in r.message
    p = np.array([r.leader["pi1"][(0, 0)], r.leader["pi1"][(0, 1)]])
    assert r.leader_objective == pytest.approx(value(p), abs=1e-9)
    assert r.leader_objective >= start - 1e-9
