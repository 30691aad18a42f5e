"""A count in a method's message agrees with its noun: "after 1 step", "after 2 steps"
(progress_log.counted), for every method that counts its steps, iterations or rounds."""

from __future__ import annotations

import pytest

import stackopt as so
from stackopt.backends.progress_log import counted
from stackopt.bayesian import random_game
from stackopt.markov import random_markov_game
from stackopt.models import duopoly
from tests.test_cvxpy_follower import cvxpy_duopoly
from tests.test_value_function import toyexample3


def stop_at_once(state) -> bool:
    return True


def test_counted_says_one_in_the_singular():
    assert [counted(n, "round") for n in (0, 1, 2)] == ["0 rounds", "1 round", "2 rounds"]


@pytest.mark.parametrize(
    "game, method, options, said",
    [
        (duopoly, "simgd", {}, "stopped by the callback after 1 step"),
        (duopoly, "tikhonov-zo", {}, "stopped by the callback after 1 step"),
        (cvxpy_duopoly, "gradient", {}, "stopped by the callback after 1 step"),
        (toyexample3, "value-function", {}, "stopped by the callback after 1 iteration"),
        (lambda: random_markov_game(states=1, seed=0), "implicit-pg", {}, "callback after 1 step"),
        (
            lambda: random_game(n=1, K=2, A=2, L=2, seed=0, independent=True),
            "bayes-learn",
            {"T": 5, "seed": 0},
            "stopped by the callback after 1 round",
        ),
    ],
)
def test_a_run_stopped_after_its_first_step_says_one(game, method, options, said):
    res = so.solve(game(), method=method, callback=stop_at_once, **options)
    assert said in res.message and f"{said}s" not in res.message
