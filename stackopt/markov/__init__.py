"""Markov (stochastic) Stackelberg games (Das, Nortmann, Ratliff, Gupta, Mylvaganam).

A leader and an entropy-regularized follower with tabular softmax policies in a discounted Markov
game; values by exact policy evaluation. This package holds the model and its instances; the
methods ``"implicit-pg"`` and ``"markov-nlp"`` live in :mod:`stackopt.backends.markov`.
"""

from stackopt.markov.game import MarkovStackelbergGame
from stackopt.markov.instances import random_markov_game

__all__ = ["MarkovStackelbergGame", "random_markov_game"]
