"""Bayesian multi-follower Stackelberg games (Personnat, Lin, Hossain, Parkes).

A leader mixes over L actions; n followers with private types best-respond (ties to the leader's
favour). Exact offline methods: region enumeration, the single LP (16)-(17), a DOBSS-style MILP and
the arrangement vertices; a smoothed-response gradient baseline; online learners with regret curves.
"""

from stackopt.bayesian.best_response import leader_value
from stackopt.bayesian.game import BayesianStackelbergGame
from stackopt.bayesian.instances import lower_bound_game, random_game

__all__ = ["BayesianStackelbergGame", "leader_value", "lower_bound_game", "random_game"]
