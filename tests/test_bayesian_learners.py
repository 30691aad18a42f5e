"""Online learners against simulated followers: sublinear regret, runner output, size limits."""

import numpy as np
import pytest

import stackopt as so
from stackopt.backends.bayesian.regret import loglog_slope, regret_curves
from stackopt.backends.bayesian.simulation import simulate
from stackopt.backends.bayesian.type_feedback import EmpiricalTypeLearner, ProductTypeLearner
from stackopt.bayesian import lower_bound_game, random_game
from stackopt.errors import OptionError

TYPE_GAMES = {
    "independent": random_game(2, 2, 2, 3, seed=1),
    "joint": random_game(2, 2, 2, 3, seed=3, independent=False),
    "lower-bound": lower_bound_game(2, 2, epsilon=0.1, signs=[1, -1]),
}


def test_loglog_slope_reads_the_growth_rate():
    t = np.arange(1, 1001)
    assert loglog_slope(np.sqrt(t)) == pytest.approx(0.5)
    assert loglog_slope(3.0 * t) == pytest.approx(1.0)
    assert loglog_slope(np.zeros(1000)) == 0.0


@pytest.mark.parametrize("name", list(TYPE_GAMES))
@pytest.mark.parametrize("learner", ["type-joint", "type-product"])
def test_type_feedback_regret_is_sublinear(name, learner):
    game = TYPE_GAMES[name]
    curves = regret_curves(game, learner, T=3000, seeds=range(3))
    assert np.all(np.diff(curves, axis=1) >= 0)  # per-round regret is never negative
    assert loglog_slope(curves.mean(axis=0)) <= 0.6


@pytest.mark.parametrize("learner", ["action-ucb", "action-linear"])
def test_action_feedback_regret_is_sublinear(learner):
    curves = regret_curves(random_game(2, 2, 2, 3, seed=0), learner, T=3000, seeds=range(2))
    assert loglog_slope(curves.mean(axis=0)) <= 0.75


def test_no_regret_when_every_guess_is_optimal():
    game = lower_bound_game(2, 2, epsilon=0.0)
    for learner in (EmpiricalTypeLearner(game), ProductTypeLearner(game)):
        assert simulate(game, learner, T=200, seed=0).sum() == 0.0


@pytest.mark.parametrize("n, K", [(2, 2), (3, 3)])
def test_product_values_are_the_expectation_under_the_product_of_empirical_marginals(n, K):
    # brute force: phi_r(theta) over all K**n profiles, weighted by prod_i p_hat_i(theta_i)
    learner = ProductTypeLearner(random_game(n, K, 2, 2, seed=0))
    profiles = np.indices((K,) * n).reshape(n, -1).T
    uniform = np.full(len(profiles), 1.0 / len(profiles))
    np.testing.assert_allclose(learner.values(), learner.table.features @ uniform)
    rng = np.random.default_rng(1)
    seen = rng.integers(0, K, size=(7, n))
    for types in seen:
        learner.observe(types, None)
    p = np.array([[np.mean(seen[:, i] == k) for k in range(K)] for i in range(n)])
    np.testing.assert_allclose(learner.marginals(), p)
    weights = np.prod([p[i, profiles[:, i]] for i in range(n)], axis=0)
    np.testing.assert_allclose(learner.values(), learner.table.features @ weights, atol=1e-12)


def test_learn_runner_reports_regret_checkpoints_and_the_final_strategy():
    game = TYPE_GAMES["independent"]
    res = so.solve(game, method="bayes-learn", learner="type-joint", T=500, seed=2)
    assert res.status == "feasible" and res.info["algorithm"].startswith("Algorithm 1")
    assert res.history[-1] == {"round": 500, "cumulative_regret": res.info["cumulative_regret"]}
    assert len(res.history) <= 40
    assert res.leader_objective == pytest.approx(res.info["optimal_value"], abs=1e-9)
    joint = so.solve(TYPE_GAMES["joint"], method="bayes-learn", learner="type-product", T=5)
    assert "assumes independent types" in joint.warnings[0]


def test_learn_runner_callback_and_time_limit_end_the_play():
    game = TYPE_GAMES["independent"]
    full = simulate(game, EmpiricalTypeLearner(game), 50, seed=2)
    seen = []
    res = so.solve(
        game,
        method="bayes-learn",
        T=50,
        seed=2,
        callback=lambda s: seen.append(s) or s["round"] == 7,
    )
    assert res.status == "iteration_limit" and "callback after 7 rounds" in res.message
    assert [s["round"] for s in seen] == list(range(1, 8)) and res.info["rounds"] == 7
    assert [s["regret"] for s in seen] == pytest.approx(full[:7])
    assert res.history[-1]["cumulative_regret"] == pytest.approx(full[:7].sum())
    timed = so.solve(game, method="bayes-learn", T=10_000, time_limit=1e-9)
    assert timed.status == "time_limit" and timed.info["rounds"] == 1


def test_learner_errors_name_the_option():
    game = random_game(2, 3, 2, 3, seed=0)
    with pytest.raises(OptionError, match="unknown learner 'ucb'; known learners: type-joint"):
        so.solve(game, method="bayes-learn", learner="ucb")
    with pytest.raises(OptionError, match="T must be a positive integer"):
        so.solve(game, method="bayes-learn", T=0)
    with pytest.raises(OptionError, match=r"'action-linear' needs K\*\*n <= 16 .* K=5, n=2 \(25\)"):
        so.solve(random_game(2, 5, 2, 2, seed=0), method="bayes-learn", learner="action-linear")


def test_loglog_slope_on_checkpoints():
    rounds = np.array([100, 400, 1600, 6400])
    assert loglog_slope(2 * np.sqrt(rounds), rounds, start=100) == pytest.approx(0.5)


def coincident_lines() -> so.BayesianStackelbergGame:
    """Two followers with opposite indifference lines at x0 = 1/2: F0 plays 0 for x0 > 1/2, F1 for
    x0 < 1/2; only at x0 = 1/2 (a lower-dimensional region, ties to the leader's favour) do both
    play 0, the only joint action worth 1 to the leader."""
    v = np.zeros((2, 2, 2, 1))
    v[0, :, 0, 0], v[0, :, 1, 0] = (1, 0), (0, 1)
    v[1, :, 0, 0], v[1, :, 1, 0] = (0, 1), (1, 0)
    u = np.zeros((2, 2, 2))
    u[:, 0, 0] = 1.0
    return so.BayesianStackelbergGame(u, v, marginals=np.ones((2, 1)))


@pytest.mark.parametrize("learner", ["action-ucb", "action-linear"])
def test_action_learners_use_lower_dimensional_regions(learner):
    game = coincident_lines()
    assert so.solve(game, method="bayes-lp").leader_objective == pytest.approx(1.0)
    res = so.solve(game, method="bayes-learn", learner=learner, T=300)
    assert res.leader_objective == pytest.approx(1.0)
    assert res.info["cumulative_regret"] < 30  # not 1.0 per round


def test_bayes_learn_refuses_an_arrangement_beyond_max_systems():
    with pytest.raises(OptionError, match="max_systems=3"):
        so.solve(coincident_lines(), method="bayes-learn", max_systems=3)


def test_the_joint_type_learner_uses_the_sampled_profiles_only():
    game = random_game(2, 2, 2, 3, seed=0)
    learner = EmpiricalTypeLearner(game)
    seen = ([0, 0], [0, 1], [1, 1], [0, 1])
    for types in seen:
        learner.observe(np.array(types), None)
    assert "features" not in learner.table.__dict__  # the K**n table was never formed
    empirical = np.zeros((2, 2))
    for types in seen:
        empirical[tuple(types)] += 0.25
    np.testing.assert_allclose(learner.values(), learner.table.features @ empirical.ravel())
