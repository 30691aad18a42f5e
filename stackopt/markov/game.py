"""The model: a two-player discounted Markov game with a leader and an entropy-regularized follower.

Das, Nortmann, Ratliff, Gupta, Mylvaganam, "Learning in stochastic Stackelberg games": finite states
S, leader actions A1, follower actions A2, transitions P(s' | s, a1, a2), rewards R1, R2(s, a1, a2),
discount gamma and initial distribution rho. Both players use tabular softmax policies; the follower
maximizes its discounted reward plus lam times the entropy of its policy, the leader its discounted
reward V1 anticipating the follower's (unique) regularized best response.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from stackopt.bayesian.game import _finite_array as _finite
from stackopt.errors import ModelError

PROBABILITY_TOL = 1e-9


class MarkovStackelbergGame:
    """``P[s, a1, a2, s']``, ``R1[s, a1, a2]``, ``R2[s, a1, a2]``, ``gamma`` in [0, 1), ``rho[s]``,
    follower entropy weight ``lam`` > 0. Every input is validated; errors name the field."""

    def __init__(
        self,
        P: np.ndarray,
        R1: np.ndarray,
        R2: np.ndarray,
        gamma: float,
        rho: np.ndarray,
        lam: float,
    ) -> None:
        P = _finite(P, "P")
        if P.ndim != 4 or P.shape[0] != P.shape[3] or min(P.shape) < 1:
            raise ModelError(
                f"P must have shape (S, A1, A2, S) = (states, leader actions, follower actions, "
                f"next states); got shape {P.shape}"
            )
        if np.any(P < 0) or np.any(np.abs(P.sum(axis=3) - 1.0) > PROBABILITY_TOL):
            raise ModelError("P must be stochastic: P[s, a1, a2, :] >= 0 summing to 1")
        for name, R in (("R1", R1), ("R2", R2)):
            if _finite(R, name).shape != P.shape[:3]:
                raise ModelError(
                    f"{name} must have shape (S, A1, A2) = {P.shape[:3]}; got {np.shape(R)}"
                )
        rho = _finite(rho, "rho")
        if rho.shape != (P.shape[0],):
            raise ModelError(f"rho must have shape (S,) = ({P.shape[0]},); got {rho.shape}")
        if np.any(rho < 0) or abs(rho.sum() - 1.0) > PROBABILITY_TOL:
            raise ModelError("rho must be a probability distribution: rho >= 0 summing to 1")
        if not (_is_number(gamma) and 0.0 <= gamma < 1.0):
            raise ModelError(f"gamma must be a number in [0, 1); got {gamma!r}")
        if not (_is_number(lam) and 0.0 < lam < math.inf):
            raise ModelError(
                f"lam (the follower's entropy weight) must be a finite number > 0; got {lam!r}"
            )
        self.P, self.rho = P, rho
        self.R1, self.R2 = np.asarray(R1, float), np.asarray(R2, float)
        self.gamma, self.lam = float(gamma), float(lam)

    @property
    def shape(self) -> tuple[int, int, int]:
        """(S, A1, A2): states, leader actions, follower actions."""
        return self.P.shape[:3]

    def __repr__(self) -> str:
        S, A1, A2 = self.shape
        return f"MarkovStackelbergGame(S={S}, A1={A1}, A2={A2}, gamma={self.gamma}, lam={self.lam})"


def _is_number(value: object) -> bool:
    """A real number (a Python or numpy scalar), not a string, an array or None."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)
