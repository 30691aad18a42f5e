"""Convexity of a follower's problem in its own Vars, the other Vars fixed: one test of a constant
Hessian's curvature for its objective and for each of its constraints.

A function of degree at most 2 in the unfixed Vars, ``q(y) = y^T C y / 2 + b^T y + c``, has the
constant Hessian ``H = C``; ``sign * q`` is convex when ``sign * H`` is positive semidefinite:

    lambda_min(sign * H) >= -CONVEXITY_TOL * max |lambda(H)|

(a tolerance relative to the Hessian's scale). A constraint ``lower <= body <= upper`` describes a
convex set when ``body`` is convex for a finite ``upper`` and concave for a finite ``lower``: an
equality row, or a ranged one, must then be affine.

The degrees are Pyomo's :func:`~pyomo.core.expr.polynomial_degree`, taken by :class:`Degrees`,
which walks each named ``Expression`` (a subexpression shared by several terms, functions or
followers' objectives) once per instance instead of at each reference.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pyomo.common.numeric_types import nonpyomo_leaf_types
from pyomo.core.expr.visitor import ExpressionValueVisitor
from pyomo.repn import generate_standard_repn

#: a Hessian counts as positive semidefinite when its smallest eigenvalue is at least
#: -CONVEXITY_TOL times its largest magnitude (eigvalsh's rounding is about n * 1e-16 of it)
CONVEXITY_TOL = 1e-10


class Degrees(ExpressionValueVisitor):
    """``degrees(expr)``: Pyomo's ``polynomial_degree(expr)`` (a fixed Var counts as a constant;
    a fixed factor of value 0 gives its product the degree 0), by the same rule at each node, with
    the degree of each named ``Expression`` (a component of the model, which outlives the
    instance) kept by the instance. The Vars' fixing and values must not change while an instance
    is in use."""

    def __init__(self) -> None:
        self._known: dict[int, int | None] = {}

    def __call__(self, expr) -> int | None:
        return self.dfs_postorder_stack(expr)

    def visit(self, node, values) -> Any:
        degree = node._compute_polynomial_degree(values)
        if node.is_named_expression_type():
            self._known[id(node)] = degree
        return degree

    def visiting_potential_leaf(self, node) -> tuple[bool, Any]:
        if node.__class__ in nonpyomo_leaf_types:
            return True, 0
        if node.is_expression_type():
            known = id(node) in self._known
            return known, self._known.get(id(node))
        if node.is_numeric_type():
            return True, 0 if node.is_fixed() else 1
        return True, node


def hessian(expr, degrees: Degrees | None = None) -> np.ndarray | None:
    """The constant Hessian of ``expr`` in its unfixed Vars (a fixed Var counts as a constant) when
    ``expr`` is a polynomial of degree at most 2 in them, from the quadratic terms c_jk y_j y_k of
    its standard repn (H_jj = 2 c_jj, H_jk = H_kj = c_jk); None otherwise or when not finite. Its
    rows follow the Vars of the quadratic terms, in order of appearance. ``degrees``: the
    :class:`Degrees` to take the degree by (a new one by default)."""
    degree = (degrees or Degrees())(expr)
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


def convex(expr, sign: float = 1.0, degrees: Degrees | None = None) -> bool:
    """Whether ``sign * expr`` is a convex function of degree at most 2 in the unfixed Vars."""
    h = hessian(expr, degrees)
    return h is not None and positive_semidefinite(sign * h)


def convex_set(constraint, degrees: Degrees | None = None) -> bool:
    """Whether ``constraint``'s set {lower <= body <= upper} in the unfixed Vars is convex by the
    curvature of ``body``, of degree at most 2: convex where ``upper`` is finite, concave where
    ``lower`` is (both, so affine, for an equality or a ranged row)."""
    h = hessian(constraint.body, degrees)
    if h is None:
        return False
    return (constraint.upper is None or positive_semidefinite(h)) and (
        constraint.lower is None or positive_semidefinite(-h)
    )
