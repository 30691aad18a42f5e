"""Learning dynamics for Stackelberg games (Fiez, Chasnov, Ratliff 2020).

The leader follows its total derivative Df1 (:mod:`.total_derivative`) while the followers play
gradient descent on their own costs; the methods differ in how the followers move
(best response, a faster timescale, the same timescale) and in the leader's gradient.
"""
