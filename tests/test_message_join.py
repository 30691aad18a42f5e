"""A method's message and what the certification adds are joined by "; ", without the message's
closing period, wherever a Result's message is made (stackopt.messages.then)."""

from __future__ import annotations

import numpy as np

from stackopt.backends.bayesian.outcome import strategy_result
from stackopt.bayesian import random_game
from stackopt.messages import then


def test_the_closing_period_is_dropped_and_an_empty_message_adds_nothing():
    assert (
        then("(can be specified by options).", "polished")
        == "(can be specified by options); polished"
    )
    assert then("scip: optimal", "polished") == "scip: optimal; polished"
    assert then("", "polished") == "polished"


def test_a_bayesian_result_joins_its_message_so():
    game = random_game(n=1, K=2, A=2, L=2, seed=0, independent=True)
    res = strategy_result(
        game, np.array([0.5, 0.5]), status="optimal", reported=None, message="Solved."
    )
    assert res.status == "feasible"  # claimed optimal with no global bound
    assert res.message == "Solved; not optimal: no proven global bound"
