"""Solvers of Markov Stackelberg games (:class:`stackopt.MarkovStackelbergGame`).

``implicit-pg`` (the two-timescale implicit policy gradient), ``markov-nlp`` (the follower's
soft-Bellman system as constraints, solved by Ipopt), and the pieces they share: softmax policies,
the follower's exact soft best response, the matrix-free policy gradients, starts and outcomes.
"""
