"""The followers' shapes walk each named Expression once, with Pyomo's degrees.

:class:`~stackopt.backends.certification.convexity.Degrees` is Pyomo's ``polynomial_degree`` with
the degree of each named Expression kept: the same degree at every point (a fixed factor of value
0, a fixed exponent, a fixed condition), each named Expression visited once however often it is
referenced, and a follower's shape still decided at each point.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest
from pyomo.core.expr import polynomial_degree

import stackopt as so
from stackopt.backends.certification import NashGap
from stackopt.backends.certification.convexity import Degrees
from stackopt.structure import analyze

#: a chain of named Expressions e_k = e_(k-1) + x e_(k-1): 2^k references of e_0 unrolled
CHAIN = 40


def _model() -> pyo.ConcreteModel:
    m = pyo.ConcreteModel()
    m.x = pyo.Var(initialize=0.0)
    m.y = pyo.Var(initialize=1.0)
    m.x.fix()
    m.e = pyo.Expression(expr=m.x * m.y**2)
    return m


EXPRESSIONS = {
    "x y^3": lambda m: m.x * m.y**3,
    "x exp(y)": lambda m: m.x * pyo.exp(m.y),
    "y^x": lambda m: m.y**m.x,
    "y^(x + 2)": lambda m: m.y ** (m.x + 2),
    "if x >= 0": lambda m: pyo.Expr_if(m.x >= 0, m.y, m.y**3),
    "y / x": lambda m: m.y / (m.x + 1),
    "named, shared": lambda m: m.e + m.e * m.y + pyo.exp(m.e) * m.x,
    "named squared": lambda m: m.e**2 + m.y,
}


@pytest.mark.parametrize("x", [0.0, 1.0, -1.0, 2.5])
@pytest.mark.parametrize("form", EXPRESSIONS)
def test_the_degrees_are_pyomos_at_each_point(form, x):
    m = _model()
    m.x.set_value(x)
    expr = EXPRESSIONS[form](m)
    assert Degrees()(expr) == polynomial_degree(expr)


class _Counting(Degrees):
    """Degrees that counts its visits of named Expressions."""

    def __init__(self) -> None:
        super().__init__()
        self.named = 0

    def visit(self, node, values):
        self.named += node.is_named_expression_type()
        return super().visit(node, values)


def test_each_named_expression_is_visited_once():
    """e_40 unrolled has 2^40 references of e_0: walked once each, its degree is 1 (x = 0 gives
    each product the degree 0 of its fixed factor: e_k = e_(k-1) + 0), 41 named visits."""
    m = _model()
    m.chain = pyo.Expression(range(CHAIN + 1))
    m.chain[0] = m.y
    for k in range(1, CHAIN + 1):
        m.chain[k] = m.chain[k - 1] + m.x * m.chain[k - 1]
    degrees = _Counting()
    assert degrees(m.chain[CHAIN] + m.chain[CHAIN - 1]) == 1
    assert degrees.named == CHAIN + 1
    m.x.unfix()  # x y: degree 2 in every product, 2^40 + 1 at the top
    assert Degrees()(m.chain[CHAIN]) == CHAIN + 1


def _two_followers() -> so.StackelbergGame:
    """F1 minimizes s = (y1 - y2)^2, convex in y1; F2 minimizes s + x y2^3: cubic in y2 where
    x != 0, and convex (degree 2, the cubic's factor 0) at x = 0. s is one named Expression."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(-1, 1), initialize=0.0)
    g.F1 = so.Follower()
    g.F1.y = pyo.Var(bounds=(-1, 1), initialize=0.0)
    g.F2 = so.Follower()
    g.F2.y = pyo.Var(bounds=(-1, 1), initialize=0.0)
    g.s = pyo.Expression(expr=(g.F1.y - g.F2.y) ** 2)
    g.F1.obj = pyo.Objective(expr=g.s)
    g.F2.obj = pyo.Objective(expr=g.s + g.x * g.F2.y**3)
    g.obj = pyo.Objective(expr=g.x**2)
    return g


def test_the_unchecked_followers_are_decided_at_each_point():
    """One NashGap at x = 1, 0, -1, 0 in turn: F2 is nonconvex except at x = 0, F1 never."""
    gaps = NashGap(analyze(_two_followers()))
    found = [gaps.nonconvex(np.array([x, 0.5, -0.5])) for x in (1.0, 0.0, -1.0, 0.0)]
    assert found == [["F2"], [], ["F2"], []]
