"""The model: a leader with L actions facing n followers with K private types and A actions each.

Personnat, Lin, Hossain, Parkes, "Learning to play multi-follower Bayesian Stackelberg games":
the leader commits to x in the simplex over L actions; follower i of type theta_i plays a best
response to x under v_i(l, a_i, theta_i); the leader earns u(l, a) for the joint follower action a.
The type profile theta ~ D is a product of marginals or a general joint table.
"""

from __future__ import annotations

import numpy as np

from stackopt.errors import ModelError

PROBABILITY_TOL = 1e-9


class BayesianStackelbergGame:
    """A multi-follower Bayesian Stackelberg game with finite actions and types.

    ``leader_utility[l, a_1, ..., a_n]`` is u(l, a); ``follower_utility[i, l, a, k]`` is
    v_i(l, a, k). Pass exactly one of ``marginals`` (shape (n, K): independent types) or ``joint``
    (shape (K,)*n: a general type distribution).
    """

    def __init__(
        self,
        leader_utility: np.ndarray,
        follower_utility: np.ndarray,
        *,
        marginals: np.ndarray | None = None,
        joint: np.ndarray | None = None,
    ) -> None:
        v = _finite_array(follower_utility, "follower_utility")
        if v.ndim != 4:
            raise ModelError(
                f"follower_utility must have shape (n, L, A, K) = (followers, leader actions, "
                f"follower actions, types); got shape {v.shape}"
            )
        n, L, A, K = v.shape
        if min(v.shape) < 1:
            raise ModelError(
                "follower_utility must have at least one follower, leader action, follower "
                f"action and type: shape (n, L, A, K) = {v.shape}"
            )
        u = _finite_array(leader_utility, "leader_utility")
        if u.shape != (L,) + (A,) * n:
            raise ModelError(
                f"leader_utility must have shape (L, A, ..., A) = {(L,) + (A,) * n} to match "
                f"follower_utility; got shape {u.shape}"
            )
        if (marginals is None) == (joint is None):
            raise ModelError("give exactly one type distribution: marginals=... or joint=...")
        if marginals is not None:
            p = _distribution(marginals, "marginals", (n, K), axis=1)
            table = p[0]
            for i in range(1, n):
                table = np.multiply.outer(table, p[i])
        else:
            table = _distribution(joint, "joint", (K,) * n, axis=None)
        self.leader_utility = u
        self.follower_utility = v
        self.independent = marginals is not None
        self.joint = table

    @property
    def response_utility(self) -> np.ndarray:
        """``follower_utility`` scaled per follower i and type k to max |v_i(., ., k)| = 1 (where
        it is not all 0): the same best responses, on the scale that the LP and MILP solvers'
        absolute tolerances (about 1e-7) and the tie tolerance are meant for; at 1e-7 times
        that scale every action would tie, and a MILP's big-M would be below its tolerance."""
        v = self.follower_utility
        scale = np.abs(v).max(axis=(1, 2), keepdims=True)
        return v / np.where(scale > 0, scale, 1.0)

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """(n, L, A, K): followers, leader actions, follower actions, types per follower."""
        return self.follower_utility.shape

    @property
    def marginals(self) -> np.ndarray:
        """The (n, K) marginal type distributions of the followers."""
        n = self.shape[0]
        axes = range(n)
        return np.array([self.joint.sum(axis=tuple(j for j in axes if j != i)) for i in axes])

    @property
    def type_profiles(self) -> np.ndarray:
        """All K**n type profiles as an (n, K**n) integer array, in the order of ``joint.ravel()``."""
        n, _, _, K = self.shape
        return np.indices((K,) * n).reshape(n, -1)

    def __repr__(self) -> str:
        n, L, A, K = self.shape
        kind = "independent" if self.independent else "joint"
        return f"BayesianStackelbergGame(n={n}, L={L}, A={A}, K={K}, types={kind})"


def _finite_array(value: object, name: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ModelError(f"{name} must be a numeric array") from None
    if not np.all(np.isfinite(arr)):
        raise ModelError(f"{name} has non-finite entries")
    return arr


def _distribution(value: object, name: str, shape: tuple[int, ...], axis: int | None) -> np.ndarray:
    p = _finite_array(value, name)
    if p.shape != shape:
        raise ModelError(f"{name} must have shape {shape}; got shape {p.shape}")
    if np.any(p < 0):
        raise ModelError(f"{name} has negative probabilities")
    if np.any(np.abs(p.sum(axis=axis) - 1.0) > PROBABILITY_TOL):
        raise ModelError(f"{name} must sum to 1 (per follower for marginals)")
    return p
