"""stackopt: Stackelberg games with several followers, compiled to an MPEC or to gradient descent.

Write one declarative Pyomo model (:class:`StackelbergGame` with :class:`Follower` blocks) and solve it
with :func:`solve` by any method; every method returns the same :class:`Result`.
"""

from stackopt.errors import ModelError, SolverUnavailableError
from stackopt.game import Follower, StackelbergGame
from stackopt.result import Result

__version__ = "0.1.0"

__all__ = [
    "Follower",
    "ModelError",
    "Result",
    "SolverUnavailableError",
    "StackelbergGame",
    "__version__",
]
