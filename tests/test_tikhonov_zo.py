"""Tikhonov-regularized zeroth-order leader on a followers' game with a continuum of equilibria.

Closed forms for ``continuum_equilibria(target=2, favourite=2, start=(0, 1))`` (see the model's
docstring): the optimistic MPEC answer is x = 2 with F = 0; the phi-induced stationary point for
phi = ||y||^2 / 2 is x = 12/5 with y = (6/5, 6/5) and F = 2/5; a gradient on the equilibrium the
warm-started oracle keeps (y_0 - y_1 = d = -1 from the start) reaches x = (12 - d)/5 = 13/5, F = 9/10.
A selection centred at c, phi = ||y - c||^2 / 2, induces d = c_0 - c_1.
"""

from __future__ import annotations

import pytest

import stackopt as so
from stackopt.errors import OptionError
from stackopt.models import continuum_equilibria

FAST = dict(max_iter=60, eps_decay=2.0)


def test_mpec_tikhonov_and_naive_gradient_reach_three_different_closed_forms():
    optimistic = so.solve(continuum_equilibria(), "mpec")
    induced = so.solve(continuum_equilibria(), "tikhonov-zo", **FAST)
    naive = so.solve(continuum_equilibria(), "stackelberg-br", step=0.5)
    assert optimistic.leader["x"] == pytest.approx(2.0, abs=1e-6)
    assert optimistic.leader_objective == pytest.approx(0.0, abs=1e-8)
    assert induced.status == "feasible"
    assert induced.leader["x"] == pytest.approx(12 / 5, abs=1e-3)
    assert induced.followers["F[0]"]["y"] == pytest.approx(6 / 5, abs=1e-3)
    assert induced.followers["F[1]"]["y"] == pytest.approx(6 / 5, abs=1e-3)
    assert induced.leader_objective == pytest.approx(2 / 5, abs=1e-3)
    assert naive.leader["x"] == pytest.approx(13 / 5, abs=1e-5)
    assert naive.leader_objective == pytest.approx(9 / 10, abs=1e-5)
    assert induced.history[-1]["eps"] == pytest.approx(1 / 60**2)


def test_without_regularization_the_zeroth_order_leader_follows_the_arbitrary_equilibrium():
    r = so.solve(continuum_equilibria(), "tikhonov-zo", eps0=0.0, max_iter=60)
    assert r.leader["x"] == pytest.approx(13 / 5, abs=1e-3)
    assert r.followers["F[0]"]["y"] - r.followers["F[1]"]["y"] == pytest.approx(-1.0, abs=1e-9)


def test_a_centred_selection_induces_its_own_stationary_point():
    def centred(g):
        return ((g.F[0].y - 1.0) ** 2 + g.F[1].y ** 2) / 2

    r = so.solve(continuum_equilibria(), "tikhonov-zo", selection=centred, **FAST)
    x = (12 - 1) / 5
    assert r.leader["x"] == pytest.approx(x, abs=1e-3)
    assert r.followers["F[0]"]["y"] == pytest.approx((x + 1) / 2, abs=1e-3)


@pytest.mark.parametrize(
    ("option", "match"),
    [
        ({"radius": 0.0}, "radius must be > 0"),
        ({"eps0": -1.0}, "eps0 must be >= 0"),
        ({"eps_decay": -0.5}, "eps_decay must be >= 0"),
        ({"start": {"y": 1.0}}, "start names \\['y'\\]"),
        ({"schedule": "1/k^3"}, "schedule must be a power p >= 0"),
    ],
)
def test_bad_options_are_refused_naming_the_option(option, match):
    with pytest.raises(OptionError, match=match):
        so.solve(continuum_equilibria(), "tikhonov-zo", **option)
