"""The game library: factories returning a :class:`stackopt.StackelbergGame`, each seeded.

Every factory is called as ``factory(seed=s, **params)``; deterministic games accept and ignore
``seed``.
"""

from stackopt.models.bard1 import bard1
from stackopt.models.cournot import cournot
from stackopt.models.duopoly import duopoly

__all__ = [
    "bard1",
    "cournot",
    "duopoly",
]
