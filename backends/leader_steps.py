"""The line search's trial steps for the leader, shared by the gradient methods.

The first trial is ``lr`` when the user gives one; otherwise the scale-free rule: it moves the
leader by ``FIRST_MOVE`` of its range, t_0 = FIRST_MOVE * D / ||d||_inf, with D the widest finite
box width of a leader Var (max(1, ||pi||_inf) when none is finite). Later trials start from the
Barzilai-Borwein step s^T s / s^T y (Barzilai and Borwein 1988; s, y the last changes of pi and of
the gradient), or twice the last accepted step when s^T y <= ``ROUNDING`` ||s||_1 ||grad||_inf (no
curvature beyond the gradient's rounding: with a noise of 1e-16 on a constant gradient the
Barzilai-Borwein step is a leap across the box) or the direction is not the gradient, and never
move the leader by more than D. Rescaling pi by a constant rescales every step by it; rescaling the objective changes
none. Armijo's test accepts P(pi - t d) when the merit decreases by at least
``ARMIJO * grad^T (pi - P(pi - t d))`` (Bertsekas 1999, Sec. 2.3.2), else t is halved.
"""

from __future__ import annotations

import numpy as np

#: a trial step is halved at most this many times (2^-20: a millionth of the step)
MAX_HALVINGS = 20
#: Armijo's sufficient-decrease constant
ARMIJO = 1e-4
#: the nonmonotone Armijo test compares with the largest merit of this many previous steps
NONMONOTONE = 10
#: the first trial step moves the leader by this fraction of its range
FIRST_MOVE = 0.1
#: a gradient's change within this fraction of it is rounding, not curvature (Barzilai-Borwein)
ROUNDING = 1e-12


def first_trial(
    lb: np.ndarray, ub: np.ndarray, pi: np.ndarray, direction: np.ndarray, lr: float | None
) -> float:
    """``lr``, or the scale-free first trial step along ``direction`` (the module docstring)."""
    if lr is not None:
        return float(lr)
    largest = float(np.abs(direction).max(initial=0.0))
    return FIRST_MOVE * box_width(lb, ub, pi) / largest if largest > 0 else 1.0


def next_trial(
    t: float,
    previous: tuple[np.ndarray, np.ndarray] | None,
    pi: np.ndarray,
    grad: np.ndarray,
    direction: np.ndarray,
    longest: float,
    barzilai_borwein: bool,
) -> float:
    """The next first trial: Barzilai-Borwein from ``previous`` = (pi, grad) of the last step
    when ``barzilai_borwein`` (the direction is the gradient), else twice the last accepted step
    ``t``; at most ``longest`` / ||direction||_inf (a trial never moves the leader by more than
    ``longest``)."""
    out = 2.0 * t
    if previous is not None and barzilai_borwein:
        s, d = pi - previous[0], grad - previous[1]
        curvature = float(s @ d)
        # a change of the gradient at its rounding level is no curvature (a linear piece)
        noise = ROUNDING * float(np.abs(s).sum() * np.abs(grad).max(initial=0.0))
        if curvature > noise and np.isfinite(curvature):
            out = float(s @ s) / curvature
    largest = float(np.abs(direction).max(initial=0.0))
    return min(out, longest / largest) if largest > 0 else out


def box_width(lb: np.ndarray, ub: np.ndarray, pi: np.ndarray) -> float:
    """D: the widest finite box width of a leader Var, max(1, ||pi||_inf) when none is finite."""
    width = ub - lb
    finite = np.isfinite(width) & (width > 0)
    return float(width[finite].max()) if finite.any() else max(1.0, float(np.abs(pi).max()))


def sufficient_decrease(base: float, value: float, grad: np.ndarray, moved: np.ndarray) -> bool:
    """Armijo's test: value <= base + ARMIJO grad^T moved (``moved`` = the trial - pi)."""
    return value <= base + ARMIJO * float(grad @ moved)
