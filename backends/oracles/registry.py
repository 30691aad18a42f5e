"""The oracle a user names (``oracle="kkt"``, ...) or passes (a callable)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stackopt.backends.oracles.base import Oracle
from stackopt.backends.oracles.dynamics import DynamicsOracle
from stackopt.backends.oracles.kkt import KKTOracle
from stackopt.backends.oracles.relaxation import RelaxationOracle
from stackopt.backends.oracles.user import UserOracle
from stackopt.errors import OptionError
from stackopt.game import StackelbergGame
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.near_names import did_you_mean

ORACLES: dict[str, type[Oracle]] = {
    "kkt": KKTOracle,
    "relaxation": RelaxationOracle,
    "dynamics": DynamicsOracle,
}


def check_oracle_name(oracle: Any) -> None:
    """Refuse a name that is no oracle's, with the nearest names (case aside)."""
    if oracle not in ORACLES:
        near = did_you_mean(oracle, ORACLES) if isinstance(oracle, str) else ""
        raise OptionError(
            f"unknown oracle {oracle!r}; choose one of {', '.join(ORACLES)} or a callable{near}"
        )


def make_oracle(
    oracle: str | Callable,
    game: StackelbergGame,
    evaluator: KKTEvaluator,
    tol: float,
    options: dict[str, Any] | None = None,
) -> Oracle:
    """An ``oracle(pi, z0, rng) -> Equilibrium`` for ``game``; ``options`` go to its constructor."""
    options = dict(options or {})
    if callable(oracle):
        if options:
            raise OptionError("oracle_options apply to named oracles, not to a callable")
        return UserOracle(oracle, evaluator, tol)
    check_oracle_name(oracle)
    try:
        return ORACLES[oracle](game, evaluator, tol, **options)
    except TypeError as exc:
        raise OptionError(f"oracle {oracle!r}: {exc}") from None
