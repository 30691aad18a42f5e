"""stackopt: Stackelberg games with several followers, compiled to an MPEC or to gradient descent.

Write one declarative Pyomo model (:class:`StackelbergGame` with :class:`Follower` blocks) and solve it
with :func:`solve` by any method; every method returns the same :class:`Result`.
"""

from stackopt.backends.leader_sensitivity import sensitivity
from stackopt.backends.strategies import SOS1, BigM, Penalty, PyomoNLP, Scholtes, SmoothedFB
from stackopt.bayesian import BayesianStackelbergGame
from stackopt.catalog import methods
from stackopt.classify import Classification, classify
from stackopt.cvxpy_follower import cvxpy_follower
from stackopt.errors import ModelError, OptionError, SolverUnavailableError
from stackopt.follower_dual import dual
from stackopt.game import Follower, StackelbergGame  # noqa: F401  (Follower is made by a decorator)
from stackopt.kkt_transformation import KKTTransformation
from stackopt.markov import MarkovStackelbergGame
from stackopt.result import Result
from stackopt.shared_constraint import SharedConstraint
from stackopt.solve import METHODS, certify, solve
from stackopt.study import compare

__version__ = "0.1.0"

from stackopt import models  # noqa: E402  (the library builds on the API above)

__all__ = [
    "cvxpy_follower",
    "BayesianStackelbergGame",
    "Classification",
    "certify",
    "classify",
    "Follower",
    "KKTTransformation",
    "MarkovStackelbergGame",
    "ModelError",
    "OptionError",
    "Result",
    "SharedConstraint",
    "dual",
    "SolverUnavailableError",
    "StackelbergGame",
    "__version__",
    "methods",
    "models",
    "SOS1",
    "BigM",
    "Penalty",
    "PyomoNLP",
    "Scholtes",
    "SmoothedFB",
    "compare",
    "sensitivity",
    "solve",
    "METHODS",
]
