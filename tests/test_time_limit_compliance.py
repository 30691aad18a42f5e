"""``time_limit`` bounds the whole solve, model building included (docs/result.md): each method
that built its model outside the limit, on a game whose build alone took far longer than it."""

from __future__ import annotations

import numpy as np
import pytest

import stackopt as so
from stackopt.backends.markov.outcome import leader_value
from stackopt.backends.markov.soft_bellman import soft_best_response
from stackopt.bayesian.instances import random_game
from stackopt.markov.instances import random_markov_game


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


def test_markov_nlp_builds_its_nlp_within_the_time_limit_and_returns_the_start():
    """random_markov_game(80, 8, 8): the NLP's 819,200 transition terms took 5-10 s to build and
    2 s to compile under time_limit=1 (Ipopt then got 1 ms); the build now stops at the limit
    and the start policy (uniform) is returned, evaluated."""
    game = random_markov_game(80, 8, 8, seed=1)
    res = so.solve(game, method="markov-nlp", time_limit=1.0)
    assert res.status == "time_limit" and res.wall_time < 4.0
    assert res.message.startswith("time limit while the NLP was built")
    uniform = np.full((80, 8), 1 / 8)
    assert res.leader_objective == pytest.approx(
        leader_value(game, uniform, soft_best_response(game, uniform)[0]), abs=1e-12
    )


def _option(method: str, name: str, strategy: str | None = None) -> dict:
    """The row of ``name`` among ``method``'s options in :func:`stackopt.methods`."""
    rows = [r for r in so.methods() if r["method"] == method]
    row = next(r for r in rows if strategy is None or r.get("strategy") == strategy)
    return next(o for o in row["options"] if o["name"] == name)


def test_the_exact_strategies_default_time_limit_is_in_their_option_description():
    from stackopt.backends.mpec import GLOBAL_TIME_LIMIT

    for strategy in ("sos1", "bigm"):
        meaning = _option("mpec", "time_limit", strategy)["meaning"]
        assert f"{GLOBAL_TIME_LIMIT:g} s for the exact ones (bigm, sos1)" in meaning
    res = so.solve(so.models.duopoly(), method="mpec", strategy="sos1")
    assert res.info["time_limit"] == GLOBAL_TIME_LIMIT


def test_initial_takes_a_time_limit():
    assert "time_limit" in _option("initial", "time_limit")["meaning"]
    res = so.solve(so.models.duopoly(), method="initial", time_limit=5.0)
    free = so.solve(so.models.duopoly(), method="initial")
    assert res.status == free.status == "feasible"
    assert res.leader_objective == free.leader_objective


def test_initial_whose_equilibrium_misses_the_evaluation_deadline_is_time_limit(monkeypatch):
    """The honest evaluation gets no time at all: the decision comes back unjudged, and the
    status says that the limit, not the method, ended it."""
    import time

    import stackopt.backends.evaluation as evaluation

    monkeypatch.setattr(evaluation, "evaluation_deadline", lambda status: time.perf_counter())
    res = so.solve(so.models.duopoly(), method="initial", time_limit=1e-9)
    assert res.status == "time_limit" and res.leader_objective is None
    assert res.leader and "no follower equilibrium could be recomputed" in res.message


def test_mpec_sos1_keeps_to_its_time_limit_on_a_200_firm_cournot_game():
    """400 SOS1 sets: SCIP's SOS1 presolve tightened bounds for 7.5 s past its limit, without
    reading the clock (the solve took 9-20 s under time_limit=2 or 5)."""
    res = so.solve(so.models.cournot(200), method="mpec", strategy="sos1", time_limit=2.0)
    assert res.status == "time_limit" and res.wall_time < 5.0
    assert res.leader_objective is not None  # at least the warm start's point
