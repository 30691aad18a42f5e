"""The oracle a user names (``oracle="kkt"``, ...) or passes (a callable)."""

from __future__ import annotations

from collections.abc import Callable

from stackopt.backends.oracles.kkt import KKTOracle
from stackopt.backends.oracles.user import UserOracle
from stackopt.errors import OptionError
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluator

ORACLES = ("kkt",)


def make_oracle(
    oracle: str | Callable, game: StackelbergGame, evaluator: KKTEvaluator, tol: float
) -> Callable:
    """An ``oracle(pi, z0, rng) -> Equilibrium`` for ``game``."""
    if callable(oracle):
        return UserOracle(oracle, evaluator, tol)
    if oracle == "kkt":
        return KKTOracle(game, evaluator, tol)
    raise OptionError(
        f"unknown oracle {oracle!r}; choose one of {', '.join(ORACLES)} or a callable"
    )
