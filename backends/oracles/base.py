"""What an equilibrium oracle returns: the followers' primal-dual point for one leader decision."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stackopt.kkt_evaluator import KKTEvaluation


@dataclass
class Equilibrium:
    """z = (x, lam, nu) in the KKT evaluator's ordering, with the inf-norm of the KKT residual F."""

    z: np.ndarray
    residual: float
    converged: bool
    iterations: int = 0
    oracle: str = ""
    message: str = ""
    #: the KKT evaluation (with derivatives) at z, when the oracle has one: saves re-evaluating
    evaluation: KKTEvaluation | None = None
