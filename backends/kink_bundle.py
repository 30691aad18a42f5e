"""The leader's direction across a kink of its value function: a bundle of two gradients.

Where a follower's active set changes, the implicit gradient jumps, and projected-gradient steps
zig-zag across the kink with shrinking steps (MacMPEC bard2: 500 steps around x21 / x22, where
division 2 switches between its two resource constraints). Gradient sampling (Burke, Lewis and
Overton 2005, Sec. 2) steps along the least-norm element of the convex hull of the gradients at
nearby points instead. With two gradients g (here) and g' (a recent step's) whose projected steps
p = P(pi - tau g) - pi and p' = P(pi - tau g') - pi point against each other (p^T p' < 0):

    g_b = lam g + (1 - lam) g',   lam = argmin_{0 <= lam <= 1} ||lam p + (1 - lam) p'||_2,

which descends on both sides, i.e. along the kink; a small projected step along g_b, with g' taken
within a distance eps, is Clarke eps-stationarity (the hull contains a small element).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np


def across_kink(
    project: Callable[[np.ndarray], np.ndarray],
    pi: np.ndarray,
    grad: np.ndarray,
    recent: Iterable[tuple[np.ndarray, np.ndarray]],
    tau: float,
) -> tuple[np.ndarray, np.ndarray] | None:
    """(g_b, the point of g') for the most recent (pi', g') in ``recent`` (oldest first) whose
    projected step points against the one of ``grad``; None when none does, or when the projected
    step along g_b does not descend along both g and g'."""
    p = project(pi - tau * grad) - pi
    for other_pi, other in reversed(list(recent)):
        q = project(pi - tau * other) - pi
        if p @ q < 0:
            diff = p - q
            lam = float(np.clip(-(q @ diff) / (diff @ diff), 0.0, 1.0))
            combined = lam * grad + (1.0 - lam) * other
            step = project(pi - tau * combined) - pi
            if step @ grad < 0 and step @ other < 0:  # it descends on both sides
                return combined, other_pi
            return None
    return None
