"""Convexity of a follower's problem in its own Vars, the other Vars fixed: one test of a constant
Hessian's curvature for its objective and for each of its constraints.

A function of degree at most 2 in the unfixed Vars, ``q(y) = y^T C y / 2 + b^T y + c``, has the
constant Hessian ``H = C``; ``sign * q`` is convex when ``sign * H`` is positive semidefinite:

    lambda_min(sign * H) >= -CONVEXITY_TOL * max |lambda(H)|

(a tolerance relative to the Hessian's scale). A constraint ``lower <= body <= upper`` describes a
convex set when ``body`` is convex for a finite ``upper`` and concave for a finite ``lower``: an
equality row, or a ranged one, must then be affine.
"""

from __future__ import annotations

import numpy as np
from pyomo.core.expr import polynomial_degree
from pyomo.repn import generate_standard_repn

#: a Hessian counts as positive semidefinite when its smallest eigenvalue is at least
#: -CONVEXITY_TOL times its largest magnitude (eigvalsh's rounding is about n * 1e-16 of it)
CONVEXITY_TOL = 1e-10


def hessian(expr) -> np.ndarray | None:
    """The constant Hessian of ``expr`` in its unfixed Vars (a fixed Var counts as a constant) when
    ``expr`` is a polynomial of degree at most 2 in them, from the quadratic terms c_jk y_j y_k of
    its standard repn (H_jj = 2 c_jj, H_jk = H_kj = c_jk); None otherwise or when not finite. Its
    rows follow the Vars of the quadratic terms, in order of appearance."""
    degree = polynomial_degree(expr)
    if degree is None or degree > 2:
        return None
    repn = generate_standard_repn(expr, quadratic=True)
    if repn.nonlinear_expr is not None:
        return None
    column: dict[int, int] = {}
    for pair in repn.quadratic_vars:
        for v in pair:
            column.setdefault(id(v), len(column))
    out = np.zeros((len(column), len(column)))
    for (a, b), coef in zip(repn.quadratic_vars, repn.quadratic_coefs):
        j, k = column[id(a)], column[id(b)]
        out[j, k] += float(coef)
        out[k, j] += float(coef)
    return out if np.isfinite(out).all() else None


def positive_semidefinite(matrix: np.ndarray) -> bool:
    """lambda_min(matrix) >= -CONVEXITY_TOL * max |lambda(matrix)| for a symmetric ``matrix``."""
    eigenvalues = np.linalg.eigvalsh(matrix)
    scale = float(np.abs(eigenvalues).max(initial=0.0))
    return bool(eigenvalues.min(initial=0.0) >= -CONVEXITY_TOL * scale)


def convex(expr, sign: float = 1.0) -> bool:
    """Whether ``sign * expr`` is a convex function of degree at most 2 in the unfixed Vars."""
    h = hessian(expr)
    return h is not None and positive_semidefinite(sign * h)


def convex_set(constraint) -> bool:
    """Whether ``constraint``'s set {lower <= body <= upper} in the unfixed Vars is convex by the
    curvature of ``body``, of degree at most 2: convex where ``upper`` is finite, concave where
    ``lower`` is (both, so affine, for an equality or a ranged row)."""
    h = hessian(constraint.body)
    if h is None:
        return False
    return (constraint.upper is None or positive_semidefinite(h)) and (
        constraint.lower is None or positive_semidefinite(-h)
    )
