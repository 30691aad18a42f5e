"""A convex follower with convex quadratic constraints (a ball) gets an exact Nash gap from one
Ipopt solve and no warning; a nonconvex quadratic constraint keeps its follower nonconvex.

The game: the leader picks x in [1/4, 4] and minimizes x / 2 - (y1 + y2); the follower minimizes
(y1 - 2)^2 + (y2 - 1)^2 on the disc y1^2 + y2^2 <= x. Its best response is the projection of
(2, 1) onto the disc: y = sqrt(x / 5) (2, 1) for x <= 5, at the distance sqrt(5) - sqrt(x), so
the leader minimizes x / 2 - 3 sqrt(x / 5): x = 9 / 5, y = (1.2, 0.6), leader value -0.9.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.backends.certification import NashGap, nash_gap
from stackopt.backends.certification.convexity import CONVEXITY_TOL, positive_semidefinite
from stackopt.structure import analyze

#: the disc written three ways: body convex with <=, and concave with >=
DISCS = {
    "<=": lambda y, x: y[1] ** 2 + y[2] ** 2 <= x,
    "x >=": lambda y, x: x >= y[1] ** 2 + y[2] ** 2,
    "concave >=": lambda y, x: -(y[1] ** 2) - y[2] ** 2 >= -x,
}
#: nonconvex quadratic rows: indefinite, concave with <=, and a circle (a quadratic equality)
NONCONVEX = {
    "y1 y2 >= 1": lambda y, x: y[1] * y[2] >= 1,
    "-(y1^2) <= -x": lambda y, x: -(y[1] ** 2) <= -x,
    "circle": lambda y, x: y[1] ** 2 + y[2] ** 2 == x,
}


def _game(row=DISCS["<="]) -> so.StackelbergGame:
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0.25, 4), initialize=1.0)
    g.F = so.Follower()
    g.F.y = pyo.Var([1, 2], bounds=(-3, 3), initialize=0.0)
    y = g.F.y
    g.F.obj = pyo.Objective(expr=(y[1] - 2) ** 2 + (y[2] - 1) ** 2)
    g.F.row = pyo.Constraint(expr=row(y, g.x))
    g.obj = pyo.Objective(expr=g.x / 2 - y[1] - y[2])
    return g


def _no_scip(monkeypatch) -> None:
    """No follower is small enough for SCIP: the gap comes from the convex path or local search."""
    monkeypatch.setattr(nash_gap, "GLOBAL_MAX_VARS", 0)


@pytest.mark.parametrize("form", DISCS)
def test_a_convex_followers_gap_on_a_disc_is_exact_and_equals_the_closed_form(form, monkeypatch):
    """At x = 1.8 and y = (0, 0): the follower's value 5, its best response (1.2, 0.6) of value
    (sqrt(5) - sqrt(1.8))^2 = 0.8, so the gap 4.2, proven by one Ipopt solve."""
    _no_scip(monkeypatch)
    gaps = NashGap(analyze(_game(DISCS[form])))
    point = np.array([1.8, 0.0, 0.0])
    assert gaps.nonconvex(point) == []
    check = gaps(point)[0]
    assert check.exact and check.method == "ipopt, convex quadratic follower", check
    assert check.best_response == pytest.approx((np.sqrt(5) - np.sqrt(1.8)) ** 2, abs=1e-7)
    assert check.gap == pytest.approx(4.2, abs=1e-7)
    assert list(check.deviation.values()) == pytest.approx([1.2, 0.6], abs=1e-6)


def test_an_mpec_solve_certifies_the_disc_followers_gap_as_exact_with_no_warning(monkeypatch):
    _no_scip(monkeypatch)
    res = so.solve(_game(), method="mpec")
    assert res.success, res.message
    eq = res.certificate.equilibrium
    assert eq.exact and [(f.exact, f.method) for f in eq.followers] == [
        (True, "ipopt, convex quadratic follower")
    ]
    assert res.warnings == []
    assert res.leader["x"] == pytest.approx(1.8, abs=1e-5)
    assert res.leader_objective == pytest.approx(-0.9, abs=1e-6)
    assert [res.followers["F"]["y"][k] for k in (1, 2)] == pytest.approx([1.2, 0.6], abs=1e-5)


def test_the_disc_follower_is_not_called_nonconvex_without_a_certificate():
    """certify=False computes no best response; the convex follower gets no warning for it."""
    res = so.solve(_game(), method="mpec", certify=False)
    assert res.leader["x"] == pytest.approx(1.8, abs=1e-5)
    assert not any("not convex" in w for w in res.warnings), res.warnings


@pytest.mark.parametrize("form", NONCONVEX)
def test_a_nonconvex_quadratic_constraint_keeps_its_follower_nonconvex(form, monkeypatch):
    """Without SCIP the gap is a local search's lower bound; certify=False warns."""
    g = _game(NONCONVEX[form])
    assert NashGap(analyze(g)).nonconvex(np.array([1.0, -1.0, 1.0])) == ["F"]
    quiet = so.solve(g, method="initial", certify=False)
    assert any("F is not convex" in w for w in quiet.warnings), quiet.warnings
    _no_scip(monkeypatch)
    check = NashGap(analyze(g))(np.array([1.0, -1.0, 1.0]))[0]
    assert not check.exact and check.method.startswith("ipopt from"), check


def test_scip_gives_the_true_gap_where_the_nonconvex_row_has_a_second_piece():
    """y1^2 >= 1 at x = 1: the feasible set is y1 <= -1 or y1 >= 1; (-1, 1) is a KKT point of
    value 9, the best response (2, 1) of value 0 is on the other piece: SCIP's exact gap is 9."""
    check = NashGap(analyze(_game(NONCONVEX["-(y1^2) <= -x"])))(np.array([1.0, -1.0, 1.0]))[0]
    assert check.exact and check.method == "scip", check
    assert check.gap == pytest.approx(9.0, abs=1e-6)


def test_the_semidefiniteness_tolerance_is_relative_to_the_hessians_scale():
    """A negative eigenvalue of -CONVEXITY_TOL / 10 times the scale is rounding; 10 times more is
    curvature, at any scale."""
    for scale in (1e-6, 1.0, 1e6):
        assert positive_semidefinite(scale * np.diag([1.0, -CONVEXITY_TOL / 10]))
        assert not positive_semidefinite(scale * np.diag([1.0, -CONVEXITY_TOL * 10]))
