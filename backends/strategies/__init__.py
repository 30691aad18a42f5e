"""Complementarity strategies for the MPEC path, each a small value with its own parameters."""

from stackopt.backends.strategies.base import Strategy
from stackopt.backends.strategies.bigm import BigM
from stackopt.backends.strategies.kanzow_schwartz import KanzowSchwartz
from stackopt.backends.strategies.penalty import Penalty
from stackopt.backends.strategies.pyomo_nlp import PyomoNLP
from stackopt.backends.strategies.scholtes import Scholtes
from stackopt.backends.strategies.smoothed_fb import SmoothedFB
from stackopt.backends.strategies.sos1 import SOS1

#: strategy name -> class; ``strategy="name"`` means the class with its default parameters;
#: the default strategy of ``method="mpec"`` first, as ``stackopt methods`` lists them
STRATEGIES: dict[str, type[Strategy]] = {
    cls.name: cls
    for cls in (
        Penalty,
        Scholtes,
        SmoothedFB,
        KanzowSchwartz,
        PyomoNLP,
        BigM,
        SOS1,
    )
}

__all__ = [
    "STRATEGIES",
    "SOS1",
    "BigM",
    "KanzowSchwartz",
    "Penalty",
    "PyomoNLP",
    "Scholtes",
    "SmoothedFB",
    "Strategy",
]
