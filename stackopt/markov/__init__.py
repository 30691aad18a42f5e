"""Markov (stochastic) Stackelberg games (Das, Nortmann, Ratliff, Gupta, Mylvaganam).

A leader and an entropy-regularized follower with tabular softmax policies in a discounted Markov
game; values by exact policy evaluation. Methods: ``"implicit-pg"`` (two-timescale implicit policy
gradient) and ``"markov-nlp"`` (the follower's soft-Bellman system as constraints, solved by Ipopt).
"""

from stackopt.markov.game import MarkovStackelbergGame
from stackopt.markov.instances import random_markov_game

__all__ = ["MarkovStackelbergGame", "random_markov_game"]
