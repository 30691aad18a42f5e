"""Bayesian multi-follower Stackelberg games (Personnat, Lin, Hossain, Parkes).

A leader mixes over L actions; n followers with private types best-respond (ties to the leader's
favour). This package holds the model (the game, the followers' best responses and the exact
objective U(x, D), instance families); its solvers live in :mod:`stackopt.backends.bayesian`.
"""

from stackopt.bayesian.best_response import leader_value
from stackopt.bayesian.game import BayesianStackelbergGame
from stackopt.bayesian.instances import lower_bound_game, random_game

__all__ = ["BayesianStackelbergGame", "leader_value", "lower_bound_game", "random_game"]
