"""Exact methods agree with each other, with brute force over every W, and with closed forms."""

import itertools

import numpy as np
import pytest

import stackopt as so
from stackopt.backends.bayesian.action_feedback import playable_regions
from stackopt.backends.bayesian.regions import region_lp
from stackopt.backends.bayesian.vertices import vertex_table
from stackopt.bayesian import leader_value, lower_bound_game, random_game
from stackopt.bayesian.best_response import assignment_coefficients, respond
from stackopt.errors import OptionError

EXACT = ["bayes-enumerate", "bayes-lp", "bayes-milp", "bayes-vertices"]
GAMES = [
    dict(n=1, K=3, A=3, L=3, seed=0, independent=True),
    dict(n=2, K=2, A=2, L=3, seed=1, independent=True),
    dict(n=2, K=2, A=2, L=4, seed=2, independent=False),
    dict(n=3, K=2, A=2, L=3, seed=3, independent=True),
    dict(n=2, K=2, A=3, L=3, seed=4, independent=False),
]


def brute_force(game):
    """max over EVERY assignment W of the LP over its closed region (no search, no pruning)."""
    n, _, A, K = game.shape
    best = -np.inf
    for w in itertools.product(range(A), repeat=n * K):
        W = np.array(w).reshape(n, K)
        best = max(best, region_lp(game, W, assignment_coefficients(game, W))[2])
    return best


@pytest.mark.parametrize("spec", GAMES, ids=lambda s: "n{n}K{K}A{A}L{L}s{seed}".format(**s))
def test_exact_methods_agree_with_brute_force(spec):
    game = random_game(**spec)
    expected = brute_force(game)
    for method in EXACT:
        res = so.solve(game, method=method)
        assert res.status == "optimal", (method, res.message)
        assert res.leader_objective == pytest.approx(expected, abs=1e-6), method
        assert res.reported_objective == pytest.approx(expected, abs=1e-6), method
        x = np.array(list(res.leader["x"].values()))
        assert res.violation == 0.0 and x.min() >= 0 and x.sum() == pytest.approx(1, abs=1e-15)


def test_no_grid_point_beats_the_optimum():
    game = random_game(n=2, K=2, A=2, L=3, seed=7)
    best = so.solve(game, method="bayes-enumerate").leader_objective
    grid = [np.array([i, j, 40 - i - j]) / 40 for i in range(41) for j in range(41 - i)]
    values = [leader_value(game, x) for x in grid]
    assert max(values) <= best + 1e-9
    assert max(values) > best - 0.05


@pytest.mark.parametrize("n,K,signs", [(2, 2, [1, -1]), (1, 4, [-1, -1]), (3, 2, [1, 1, -1])])
def test_lower_bound_family_has_its_closed_form_optimum(n, K, signs):
    game = lower_bound_game(n, K, epsilon=0.2, signs=signs)
    for method in EXACT:
        res = so.solve(game, method=method)
        assert res.leader_objective == pytest.approx(0.6, abs=1e-9), method
    x = np.array(list(so.solve(game, method="bayes-lp").leader["x"].values()))
    d = n * K // 2
    for c, s in enumerate(signs):
        assert (x[c + 1] >= 1 / d - 1e-9) if s > 0 else (x[c + 1] <= 1 / (2 * d) + 1e-9)


def test_single_lp_recovers_x_from_a_nonzero_row():
    game = random_game(n=2, K=2, A=2, L=3, seed=1)
    res = so.solve(game, method="bayes-lp")
    assert res.info["nonzero_rows"] >= 1 and res.info["assignments"] == 16
    assert res.followers["F0"]["response_by_type"] == res.info["row"][0]


def test_enumeration_visits_every_nonempty_region():
    game = random_game(n=2, K=2, A=2, L=3, seed=5)
    n, _, A, K = game.shape
    nonempty = sum(
        region_lp(game, np.array(w).reshape(n, K))[0]
        for w in itertools.product(range(A), repeat=n * K)
    )
    assert so.solve(game, method="bayes-enumerate").info["regions"] == nonempty


def test_size_limits_and_wrong_game_give_clear_errors():
    game = random_game(n=2, K=3, A=2, L=3, seed=0)
    with pytest.raises(OptionError, match="max_assignments=10"):
        so.solve(game, method="bayes-lp", max_assignments=10)
    with pytest.raises(OptionError, match="max_systems=5"):
        so.solve(game, method="bayes-vertices", max_systems=5)
    with pytest.raises(OptionError, match="max_regions must be a positive integer"):
        so.solve(game, method="bayes-enumerate", max_regions=0)
    res = so.solve(game, method="bayes-enumerate", max_regions=2)
    assert res.status == "iteration_limit" and "max_regions=2" in res.message
    with pytest.raises(
        so.ModelError, match="'bayes-milp' needs a stackopt.BayesianStackelbergGame"
    ):
        so.solve(so.StackelbergGame(), method="bayes-milp")


def test_vertex_table_features_are_the_region_utilities():
    """phi_r . D = c_W . p for every (vertex p, tied assignment W) row, for any distribution D."""
    game = random_game(n=2, K=2, A=2, L=3, seed=2, independent=False)
    table = vertex_table(game)
    for r in range(len(table.features)):
        point = table.points[table.point_of_row[r]]
        expected = assignment_coefficients(game, table.assignment[r]) @ point
        assert table.features[r] @ game.joint.ravel() == pytest.approx(expected, abs=1e-12)


def test_playable_regions_are_the_full_dimensional_ones():
    game = random_game(n=2, K=2, A=2, L=3, seed=1)
    regions = playable_regions(game, vertex_table(game))
    for W, centre in zip(regions.assignments, regions.centres, strict=True):
        assert respond(game, centre)[0].tolist() == W.tolist()  # strictly inside: no tie
    grid = [np.array([i, j, 60 - i - j]) / 60 for i in range(61) for j in range(61 - i)]
    seen = {respond(game, x)[0].tobytes() for x in grid}
    assert seen <= {W.tobytes() for W in regions.assignments}


def test_an_optimal_claim_must_attain_the_proven_bound():
    from stackopt.backends.bayesian.outcome import strategy_result

    game = random_game(n=2, K=2, A=2, L=3, seed=7)
    best = so.solve(game, method="bayes-lp")
    assert best.certificate.global_bound.proven and best.certificate.equilibrium.exact
    assert best.certificate.equilibrium.gap == 0.0
    x = np.array(list(best.leader["x"].values()))
    worse = next(
        e
        for e in np.eye(3)
        if strategy_result(game, e, status="feasible", reported=None).leader_objective
        < best.leader_objective - 1e-3
    )
    claimed = strategy_result(
        game, worse, status="optimal", reported=best.leader_objective, proven_by="a test"
    )
    assert claimed.status == "feasible" and "not optimal" in claimed.message
    again = strategy_result(
        game, x, status="optimal", reported=best.leader_objective, proven_by="a test"
    )
    assert again.status == "optimal"


def test_bayes_milp_stops_at_its_time_limit():
    # HiGHS needs about 16 s for this MILP; the limit reaches it (Pyomo's SolverFactory interface
    # resets config.time_limit to solve()'s own timelimit argument), and a stop before any
    # feasible point is status time_limit, not error
    game = random_game(3, 4, 3, 6)
    res = so.solve(game, method="bayes-milp", time_limit=0.5)
    assert res.status == "time_limit"
    assert res.wall_time < 5.0


def test_bayes_enumerate_stops_at_its_time_limit_with_the_best_region_so_far():
    # the full enumeration of this game takes about 15 s (1073 regions)
    res = so.solve(random_game(3, 4, 3, 6), method="bayes-enumerate", time_limit=0.3)
    assert res.status == "time_limit" and res.message.startswith("time limit: ")
    assert res.info["complete"] is False and res.leader_objective is not None
    assert res.wall_time < 5.0


def test_bayes_lp_passes_what_is_left_of_its_time_limit_to_highs():
    # building this LP (4096 assignments) takes about 1.4 s: HiGHS then has no time left
    res = so.solve(random_game(2, 3, 4, 6), method="bayes-lp", time_limit=0.01)
    assert res.status == "time_limit" and res.leader_objective is None
    assert "Time limit reached" in res.message


def test_bayes_vertices_stops_at_its_time_limit_with_the_best_vertex_so_far():
    # the full table of this game takes about 1 s (27055 vertices, 300k linear systems)
    game = random_game(2, 4, 4, 5)
    full = so.solve(game, method="bayes-vertices", max_systems=300_000)
    cut = so.solve(game, method="bayes-vertices", max_systems=300_000, time_limit=0.3)
    assert full.status == "optimal" and cut.status == "time_limit"
    assert cut.message.startswith("time limit: ") and cut.wall_time < 1.0
    assert 0 < cut.info["vertices"] < full.info["vertices"]
    assert cut.leader_objective <= full.leader_objective + 1e-12


@pytest.mark.parametrize("method", ["bayes-milp", "bayes-enumerate", "bayes-lp", "bayes-vertices"])
def test_follower_utilities_on_any_scale_give_the_same_answer(method):
    """A follower's best responses do not change when its utilities are scaled; at 1e-11 every
    action tied within an absolute tolerance, and bayes-milp's big-M fell below HiGHS's: each
    exact method claimed optimal at 0.950 on random_game(2, 2, 2, 3, seed=1), whose optimum is
    0.7375 (an LP per assignment agrees)."""
    base = random_game(2, 2, 2, 3, seed=1)
    values = []
    for scale in (1.0, 1e-11, 1e6):
        game = so.BayesianStackelbergGame(
            base.leader_utility, scale * base.follower_utility, joint=base.joint
        )
        res = so.solve(game, method=method)
        assert res.status == "optimal"
        values.append(res.leader_objective)
    assert values == pytest.approx([0.7375] * 3, abs=1e-4)
