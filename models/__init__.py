"""The game library: factories returning a :class:`stackopt.StackelbergGame`, each seeded.

Every factory is called as ``factory(seed=s, **params)``; deterministic games accept and ignore
``seed``.
"""

from stackopt.models.bard1 import bard1
from stackopt.models.continuum_equilibria import continuum_equilibria
from stackopt.models.cournot import cournot
from stackopt.models.covariance_game import covariance_game
from stackopt.models.cyber_insurance import cyber_insurance
from stackopt.models.duopoly import duopoly
from stackopt.models.qre_subsidy import qre_subsidy
from stackopt.models.security_game import security_game
from stackopt.models.three_equilibria import three_equilibria
from stackopt.models.torus_location import torus_location

__all__ = [
    "bard1",
    "continuum_equilibria",
    "cournot",
    "covariance_game",
    "cyber_insurance",
    "duopoly",
    "qre_subsidy",
    "security_game",
    "three_equilibria",
    "torus_location",
]
