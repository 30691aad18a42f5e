"""stackopt: Stackelberg games with several followers, compiled to an MPEC or to gradient descent.

Write one declarative Pyomo model (:class:`StackelbergGame` with :class:`Follower` blocks) and solve it
with :func:`solve` by any method; every method returns the same :class:`Result`.

``import stackopt`` loads the modelling core only (Pyomo); the game families, the library of games,
the studies and the classification load when first used (:data:`_LAZY`), so that a script pays for
scipy, pandas or a game family only when it uses them.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from stackopt.backends.strategies import (
    SOS1,
    BigM,
    KanzowSchwartz,
    Penalty,
    PyomoNLP,
    Scholtes,
    SmoothedFB,
)
from stackopt.catalog import methods
from stackopt.classify import Classification, classify
from stackopt.cvxpy_follower import cvxpy_follower
from stackopt.errors import ModelError, OptionError, SolverUnavailableError
from stackopt.follower_dual import dual
from stackopt.game import Follower, StackelbergGame  # noqa: F401  (Follower is made by a decorator)
from stackopt.kkt_transformation import KKTTransformation
from stackopt.result import Result
from stackopt.shared_constraint import SharedConstraint
from stackopt.solve import METHODS, certify, solve

if TYPE_CHECKING:
    import stackopt.models as models
    from stackopt.app.study.benchmark import benchmark
    from stackopt.app.study.runner import compare
    from stackopt.backends.leader_sensitivity import sensitivity
    from stackopt.bayesian import BayesianStackelbergGame
    from stackopt.markov import MarkovStackelbergGame

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
#: the loggers that log at INFO what no stackopt user asked for: cyipopt every callback of every
#: Ipopt iteration (two small solves: about 10^5 lines under
#: ``logging.basicConfig(level=logging.INFO)``), Pyomo's HiGHS interface HiGHS's whole log of
#: every LP and MILP (about 30 lines each; dozens of solves for a bigm MPEC). Each one's own level
#: is WARNING unless the user has set one (cyipopt reads it when it is imported, after this);
#: ``tee=True`` still shows the solvers' output
_QUIET_LOGGERS = ("cyipopt", "pyomo.contrib.appsi.solvers.highs")
for _name in _QUIET_LOGGERS:
    if logging.getLogger(_name).level == logging.NOTSET:
        logging.getLogger(_name).setLevel(logging.WARNING)

#: public name -> the module that defines it, imported on first access (PEP 562)
_LAZY = {
    "BayesianStackelbergGame": "stackopt.bayesian",
    "MarkovStackelbergGame": "stackopt.markov",
    "benchmark": "stackopt.app.study",
    "compare": "stackopt.app.study",
    "models": "stackopt.models",
    "sensitivity": "stackopt.backends.leader_sensitivity",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'stackopt' has no attribute {name!r}")
    module = importlib.import_module(_LAZY[name])
    value = module if module.__name__ == f"{__name__}.{name}" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


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
    "KanzowSchwartz",
    "Penalty",
    "PyomoNLP",
    "Scholtes",
    "SmoothedFB",
    "benchmark",
    "compare",
    "sensitivity",
    "solve",
    "METHODS",
]
