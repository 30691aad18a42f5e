"""``stackopt.classify`` on closed forms and the torus game (Fiez, Chasnov, Ratliff 2020).

Duopoly: J = [[2, 1], [1, 2]], Df1 = 1.5 q0 + q1 - 95 so J_S = [[1.5, 1], [1, 2]] and the leader's
total Hessian (the Schur complement) is 1.5 - 1/2 = 1.
"""

from __future__ import annotations

import numpy as np
import pytest

import stackopt as so
from stackopt.errors import OptionError
from stackopt.models import cournot, duopoly, torus_location

ANGLES = ("t0", "F.t")


def test_duopoly_stackelberg_and_nash_points_and_their_matrices():
    dse = so.classify(duopoly(), {"q0": 46.0, "F.q": 26.0})
    assert dse.kind == "DSE"
    np.testing.assert_allclose(dse.matrices["J"], [[2, 1], [1, 2]], atol=1e-9)
    np.testing.assert_allclose(dse.matrices["J_S"], [[1.5, 1], [1, 2]], atol=1e-6)
    assert dse.matrices["schur"][0, 0] == pytest.approx(1.0, abs=1e-6)
    assert dse.eigenvalues["J_S"] == pytest.approx(
        ((3.5 - 17**0.5 / 2) / 2, (3.5 + 17**0.5 / 2) / 2), abs=1e-6
    )
    assert dse.stable == {"simgd": True, "stackelberg": True, "two-timescale": True}
    assert so.classify(duopoly(), {"q0": 92 / 3, "F.q": 101 / 3}).kind == "DNE"
    assert so.classify(duopoly(), {"q0": 40.0, "F.q": 26.0}).kind == "neither"


@pytest.mark.parametrize(("method", "kind"), [("stackelberg-br", "DSE"), ("simgd", "DNE")])
@pytest.mark.parametrize("start", [(-1.0, 1.0), (1.0, -1.0)])
def test_torus_limit_points_are_told_apart(method, kind, start):
    r = so.solve(
        torus_location(),
        method,
        step=0.4,
        start=dict(zip(ANGLES, start)),
        periodic=ANGLES,
        tol=1e-9,
    )
    c = so.classify(torus_location(), r.info["point"])
    assert c.kind == kind
    assert all(c.stable.values())


def test_a_saddle_of_the_follower_is_neither():
    # t = (0, pi/8 + pi): the follower sits at the maximum of its own cost
    c = so.classify(torus_location(), {"t0": 0.0, "F.t": np.pi / 8 + np.pi})
    assert c.eigenvalues["follower 0:1"][0] < 0
    assert c.kind == "neither"


def test_several_followers_and_arpack_agree_with_dense():
    point = {"q0": 45.0, "F[1].q": 15.0, "F[2].q": 15.0}
    dense = so.classify(cournot(n=2), point)
    arpack = so.classify(cournot(n=2), point, eigen="arpack")
    assert dense.kind == "DSE"
    assert dense.matrices["schur"][0, 0] == pytest.approx(2 / 3, abs=1e-6)
    assert arpack.eigenvalues["J"] == pytest.approx(dense.eigenvalues["J"], abs=1e-8)


def test_errors_name_the_option_or_the_missing_var():
    with pytest.raises(OptionError, match=r"point has no value for the Var\(s\) \['F.q'\]"):
        so.classify(duopoly(), {"q0": 1.0})
    with pytest.raises(OptionError, match="eigen must be one of"):
        so.classify(duopoly(), {"q0": 1.0, "F.q": 1.0}, eigen="lapack")


def test_the_stackelberg_jacobian_is_exact_where_third_derivatives_matter():
    """On the torus game D2 f1 != 0, so D(Df1) carries the followers' third derivatives: the
    compiled first block row of J_S matches central differences of the exact Df1."""
    from stackopt.backends.dynamics.derivatives import GameDerivatives
    from stackopt.backends.dynamics.total_derivative import TotalDerivative

    point = {"t0": 0.3, "F.t": 1.1}
    c = so.classify(torus_location(), point)
    d = GameDerivatives(torus_location(), followers="best_response")
    x, h = d.point(point), 1e-6
    fd = [
        (TotalDerivative()(d.blocks(x + e)) - TotalDerivative()(d.blocks(x - e))) / (2 * h)
        for e in np.eye(2) * h
    ]
    np.testing.assert_allclose(c.matrices["J_S"][0], np.ravel(fd), atol=1e-7)


def test_a_singular_follower_hessian_names_eta_and_eta_regularizes_it():
    """continuum_equilibria: both followers' costs are (y0 + y1 - x)^2 / 2, so D2^2 f2 =
    [[1, 1], [1, 1]] is singular."""
    point = {"x": 2.4, "F[0].y": 1.2, "F[1].y": 1.2}
    plain = so.classify(so.models.continuum_equilibria(), point)
    assert "pass eta > 0" in plain.message and not plain.is_dse
    regular = so.classify(so.models.continuum_equilibria(), point, eta=0.1)
    assert regular.message == ""
    assert regular.eigenvalues["D2^2 f2"] == pytest.approx((0.1, 2.1), abs=1e-9)


def test_the_eigenvalue_tolerance_decides_a_barely_positive_hessian():
    point = {"q0": 46.0, "F.q": 26.0}
    assert so.classify(duopoly(), point, eig_tol=0.1).kind == "DSE"  # smallest eigenvalue 1
    assert so.classify(duopoly(), point, eig_tol=1.5).kind == "neither"  # schur 1 <= 1.5
    with pytest.raises(OptionError, match="eta must be >= 0"):
        so.classify(duopoly(), point, eta=-1.0)
