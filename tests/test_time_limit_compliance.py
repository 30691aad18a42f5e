"""``time_limit`` bounds the whole solve, model building included (docs/result.md): each method
that built its model outside the limit, on a game whose build alone took far longer than it."""

from __future__ import annotations

import stackopt as so
from stackopt.bayesian.instances import random_game


def test_bayes_milp_builds_its_model_within_the_time_limit():
    """random_game(4, 4, 4, 8): 524,288 z columns; building and handing over the MILP took 52 s
    under time_limit=1 (a Pyomo model, rule by rule); HiGHS now gets the limit's rest."""
    res = so.solve(random_game(4, 4, 4, 8, seed=1), method="bayes-milp", time_limit=1.0)
    assert res.status == "time_limit" and res.wall_time < 4.0


def test_bayes_milp_stopped_while_building_says_so():
    res = so.solve(random_game(3, 4, 3, 6), method="bayes-milp", time_limit=1e-9)
    assert res.status == "time_limit" and res.leader_objective is None
    assert res.message.startswith("time limit while the MILP was built")


def test_bayes_lp_builds_its_model_within_the_time_limit():
    """random_game(2, 4, 4, 6) under max_assignments=70_000: 65,536 assignments, whose LP took
    about 20 s to build (an incentive matrix per assignment, then a block diagonal) before HiGHS
    saw the limit; the build now stops at the limit, unfinished."""
    game = random_game(2, 4, 4, 6, seed=1)
    res = so.solve(game, method="bayes-lp", max_assignments=70_000, time_limit=0.1)
    assert res.status == "time_limit" and res.leader_objective is None
    assert res.message.startswith("time limit while the LP was built")
    assert res.wall_time < 2.0
