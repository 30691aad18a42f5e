"""bayes-smoothed claims a local optimum only when its final temperature's ascent converged."""

import pytest

import stackopt as so
from stackopt.bayesian import random_game


def test_an_ascent_that_runs_out_of_max_iter_ends_iteration_limit_with_its_point():
    game = random_game(n=2, K=2, A=2, L=3, seed=5)
    optimum = so.solve(game, method="bayes-milp").leader_objective
    short = dict(method="bayes-smoothed", max_iter=1, stages=1, starts=1)
    res = so.solve(game, **short)  # one gradient step from the uniform strategy
    assert res.status == "iteration_limit" and not res.success
    assert "ran out of its 1 step (max_iter)" in res.message
    assert res.history[-1]["steps"] == 1 and res.history[-1]["last_move"] > 1e-12
    assert res.leader_objective == pytest.approx(res.history[-1]["true_objective"])
    assert res.leader_objective < optimum - 0.1  # 0.4649 against 0.5759
    # the same step is a converged ascent once tol admits it: the claim stands, at most feasible
    loose = so.solve(game, tol=1.0, **short)
    assert (loose.status, loose.certificate.claim) == ("feasible", "locally_optimal")
    assert loose.leader == res.leader
