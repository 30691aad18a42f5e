"""Solvers of Bayesian multi-follower Stackelberg games (:class:`stackopt.BayesianStackelbergGame`).

Exact offline methods: region enumeration (``bayes-enumerate``), the single LP (16)-(17)
(``bayes-lp``), a DOBSS-style MILP (``bayes-milp``) and the arrangement vertices
(``bayes-vertices``); a smoothed-response gradient baseline (``bayes-smoothed``); the online
learners with their regret curves (``bayes-learn``).
"""
