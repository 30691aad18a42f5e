"""Stackelberg learning dynamics on the duopoly, the Cournot game and the torus location game.

Closed forms (Fiez, Chasnov, Ratliff 2020): duopoly Stackelberg q = (46, 26) with profits
(1058, 676), Nash q = (92/3, 101/3) with profits (940.44, 1133.44); Cournot with two followers
q0 = 45, q_i = 15; LOLA's fixed point solves 95 - 2 q0 - q1 = -alpha q0, 98 - q0 - 2 q1 = 0.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.errors import OptionError
from stackopt.models import cournot, duopoly, torus_location

from .games import bounded_domain

START = {"q0": 10.0, "F.q": 10.0}
ANGLES = ("t0", "F.t")


def follower_profit(r: so.Result, c2: float = 2.0) -> float:
    q0, q1 = r.leader["q0"], r.followers["F"]["q"]
    return (100.0 - q0 - q1 - c2) * q1


def test_stackelberg_best_response_starts_where_newton_cannot():
    """The follower min -sqrt(y) + x y on [0, 4] answers y = 1 / (4 x^2); the leader min (y - 1)^2
    takes x = 1/2. From y = 0, where sqrt has no derivative, Newton cannot evaluate the KKT system:
    the kkt oracle's rescues find the best response."""
    import pyomo.environ as pyo

    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0.1, 1), initialize=0.6)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 4), initialize=0.0)
    g.F.cost = pyo.Objective(expr=-pyo.sqrt(g.F.y) + g.x * g.F.y)
    g.cost = pyo.Objective(expr=(g.F.y - 1) ** 2)
    r = so.solve(g, "stackelberg-br", step=0.05)
    assert r.status == "locally_optimal"
    assert r.leader["x"] == pytest.approx(0.5, abs=1e-5)
    assert r.followers["F"]["y"] == pytest.approx(1.0, abs=1e-5)


def test_stackelberg_best_response_reaches_the_stackelberg_duopoly_outcome():
    r = so.solve(duopoly(), "stackelberg-br", step=0.5, start=START)
    assert r.status == "locally_optimal"
    assert r.leader["q0"] == pytest.approx(46, abs=1e-5)
    assert r.followers["F"]["q"] == pytest.approx(26, abs=1e-5)
    assert r.leader_objective == pytest.approx(1058, abs=1e-6)
    assert follower_profit(r) == pytest.approx(676, abs=1e-4)
    assert r.history and r.history[-1]["stationarity"] <= 1e-6


def test_simultaneous_gradient_play_reaches_the_nash_duopoly_outcome():
    r = so.solve(duopoly(), "simgd", step=0.3, start=START)
    # a Nash point is no Stackelberg optimum: gradient play claims at most feasible, and says so
    assert (r.status, r.certificate.claim) == ("feasible", "feasible")
    assert "Nash point" in r.message and "Nash point" in r.certificate.evidence["converged_to"]
    assert r.leader["q0"] == pytest.approx(92 / 3, abs=1e-5)
    assert r.followers["F"]["q"] == pytest.approx(101 / 3, abs=1e-5)
    assert r.leader_objective == pytest.approx(940.44, abs=5e-3)
    assert follower_profit(r) == pytest.approx(1133.44, abs=5e-3)


@pytest.mark.parametrize(("alpha", "q0"), [(0.1, 46 / 1.4), (0.5, 46.0)])
def test_lola_reaches_its_shaped_fixed_point(alpha, q0):
    r = so.solve(duopoly(), "lola", step=0.3, lookahead=alpha, start=START)
    # LOLA's fixed point is the Stackelberg optimum q0 = 46 only for alpha = 0.5; a LOLA point is
    # claimed feasible whatever it is
    assert r.status == "feasible" and "LOLA fixed point" in r.message
    assert r.leader["q0"] == pytest.approx(q0, abs=1e-5)
    assert r.followers["F"]["q"] == pytest.approx((98 - q0) / 2, abs=1e-5)


def test_two_timescale_reaches_the_stackelberg_outcome():
    r = so.solve(
        duopoly(), "two-timescale", leader_step=1.0, follower_step=0.9, start=START, max_iter=1000
    )
    assert r.status == "locally_optimal"
    assert (r.leader["q0"], r.followers["F"]["q"]) == pytest.approx((46, 26), abs=1e-5)


def test_two_timescale_with_gradient_noise_stays_near_the_stackelberg_outcome():
    r = so.solve(
        duopoly(),
        "two-timescale",
        leader_step=0.5,
        follower_step=0.9,
        leader_schedule="1/k",
        noise=1.0,
        seed=1,
        start=START,
        max_iter=800,
    )
    assert r.status == "iteration_limit"  # noise keeps it moving
    assert r.leader["q0"] == pytest.approx(46, abs=0.5)
    assert r.followers["F"]["q"] == pytest.approx((98 - r.leader["q0"]) / 2, abs=1e-5)


def test_stackelberg_best_response_with_two_followers_at_nash():
    r = so.solve(cournot(n=2), "stackelberg-br", step=0.5, start={"q0": 20.0})
    assert r.status == "locally_optimal"
    assert r.leader["q0"] == pytest.approx(45, abs=1e-5)
    assert [r.followers[f"F[{i}]"]["q"] for i in (1, 2)] == pytest.approx([15, 15], abs=1e-5)


@pytest.mark.parametrize(
    ("start", "dse", "dne"),
    [
        ((-1.0, 1.0), (-0.525, 1.246), (-0.783, 1.182)),
        ((1.0, -1.0), (1.311, -0.461), (1.569, -0.397)),
    ],
)
def test_torus_dynamics_reach_the_published_equilibria(start, dse, dne):
    s = dict(zip(ANGLES, start))
    br = so.solve(torus_location(), "stackelberg-br", step=0.5, start=s, periodic=ANGLES)
    nash = so.solve(torus_location(), "simgd", step=0.3, start=s, periodic=ANGLES)
    assert (br.status, nash.status) == ("locally_optimal", "feasible")
    assert tuple(br.info["point"].values()) == pytest.approx(dse, abs=1e-3)
    assert tuple(nash.info["point"].values()) == pytest.approx(dne, abs=1e-3)


def test_periodic_angles_are_wrapped():
    s = {"t0": -1.0 + 2 * math.pi, "F.t": 1.0 - 4 * math.pi}
    r = so.solve(torus_location(), "stackelberg-br", step=0.5, start=s, periodic=ANGLES)
    assert tuple(r.info["point"].values()) == pytest.approx((-0.525, 1.246), abs=1e-3)
    assert -math.pi <= r.leader["t0"] < math.pi


@pytest.mark.parametrize(
    ("method", "options", "match"),
    [
        ("simgd", {"schedule": "1/k^2"}, "option schedule must be one of .constant., "),
        ("simgd", {"schedule": -0.5}, "option schedule must be >= 0, got -0.5"),
        ("simgd", {"step": (0.1, 0.2, 0.3)}, "one per player \\(2: the leader"),
        ("simgd", {"time_limit": 0}, "option time_limit must be > 0"),
        ("simgd", {"callback": 3}, "option callback must be a callable"),
        ("stackelberg-br", {"follower_step": 1.5}, "follower_step must be in \\(0, 1\\]"),
        ("simgd", {"step": 0.0}, "option step must be > 0"),
        ("simgd", {"max_iter": 0}, "max_iter must be a positive integer"),
        ("simgd", {"periodic": ("theta",)}, "periodic names \\['theta'\\]"),
        ("lola", {"lookahead": -1.0}, "lookahead must be >= 0"),
        ("stackelberg-br", {"start": {"q": 1.0}}, "start names 'q'"),
        ("two-timescale", {"eta": -1.0}, "eta must be >= 0"),
        ("two-timescale", {"noise": -0.1}, "noise must be >= 0"),
        (
            "two-timescale",
            {"leader_schedule": "1/sqrt(k)", "follower_schedule": "1/k"},
            "leader_schedule '1/sqrt\\(k\\)' must decay faster",
        ),
        ("two-timescale", {"linear_solver": "lu"}, "linear_solver must be one of"),
    ],
)
def test_bad_options_are_rejected_by_name(method, options, match):
    with pytest.raises(OptionError, match=match):
        so.solve(duopoly(), method, **options)


@pytest.mark.parametrize("method", ["simgd", "stackelberg-br", "tikhonov-zo"])
def test_a_callback_stops_the_run_and_sees_each_row(method):
    rows = []
    r = so.solve(duopoly(), method, callback=lambda row: rows.append(row) or len(rows) == 3)
    assert r.status == "iteration_limit" and "stopped by the callback after 3 steps" in r.message
    assert [row["iteration"] for row in rows] == [1, 2, 3]


@pytest.mark.parametrize(
    ("method", "old", "new"),
    [
        ("simgd", "steps", "max_iter"),
        ("stackelberg-br", "maxiter", "max_iter"),
        ("tikhonov-zo", "iters", "max_iter"),
        ("lola", "timeout", "time_limit"),
        ("two-timescale", "x0", "start"),
    ],
)
def test_old_option_names_are_refused_naming_the_new_one(method, old, new):
    with pytest.raises(OptionError, match=f"option '{old}' is now '{new}'"):
        so.solve(duopoly(), method, **{old: 1})


@pytest.mark.parametrize("method", ["stackelberg-br", "two-timescale", "simgd", "lola"])
def test_a_start_outside_the_bounds_is_warned_of_at_the_callers_line(method):
    """q0 and F.q lie in [0, 100]: start q0 = 120, F.q = -5 is played from (100, 0), the first
    row's point, with one warning per Var naming the caller's file; a start 1e-9 outside (a
    solver's rounding) passes silently."""
    import warnings

    with pytest.warns(UserWarning, match="outside its bounds") as seen:
        r = so.solve(
            duopoly(), method, start={"q0": 120.0, "F.q": -5.0}, max_iter=1, record_every=1
        )
    assert [str(w.message).split(":")[0] for w in seen] == [
        "start gives q0 = 120, outside its bounds [0, 100]",
        "start gives F.q = -5, outside its bounds [0, 100]",
    ]
    assert {w.filename for w in seen} == {__file__}
    assert r.history[0]["point"] == [100.0, 0.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        so.solve(duopoly(), method, start={"q0": 100.0 + 1e-9}, max_iter=1)


@pytest.mark.parametrize("method", ["stackelberg-br", "simgd", "tikhonov-zo"])
def test_a_start_that_is_not_a_finite_number_is_refused_naming_the_var(method):
    """A NaN start ran all 5000 steps and a text one ended in a TypeError; tikhonov-zo moves an
    out-of-bounds start within the bounds with the same warning as the others."""
    for bad in (float("nan"), "10", 10**400):  # 10**400: no float (numpy's TypeError before)
        with pytest.raises(OptionError, match=r"start\['q0'\] must be a finite number"):
            so.solve(duopoly(), method, start={"q0": bad}, max_iter=1)
    exact = so.solve(duopoly(), method, start={"q0": Fraction(81, 2)}, max_iter=1)
    assert exact.options["start"] == {"q0": Fraction(81, 2)} and exact.leader
    if method == "tikhonov-zo":
        with pytest.warns(UserWarning, match="start gives q0 = 120, outside its bounds") as seen:
            so.solve(duopoly(), method, start={"q0": 120.0}, max_iter=1)
        assert {w.filename for w in seen} == {__file__}


def test_a_step_out_of_the_followers_domain_returns_the_last_point_with_an_equilibrium():
    """Leader x in [0, 10] maximizes x; the follower's y in [0, 3 - x] exists only for x <= 3.
    With steps of 0.25 from x = 2 the fifth step reaches x = 3.25: the run ends error there and
    returns x = 3 (y = 0), honestly evaluated, instead of no point at all."""
    g = bounded_domain()
    res = so.solve(g, "stackelberg-br", step=0.25)
    assert res.status == "error"
    assert res.message.startswith("step 6: no follower equilibrium")
    assert res.leader["x"] == 3.0
    assert res.followers["F"]["y"] == pytest.approx(0.0, abs=1e-7)
    assert res.leader_objective == pytest.approx(3.0)


def test_a_follower_linear_in_its_own_vars_has_no_total_derivative_and_the_start_is_returned():
    """two-timescale's Df1 needs (D2^2 f2)^-1; a linear follower (an LP) has D2^2 f2 = 0. The run
    ended with numpy's 'LinAlgError: Singular matrix' and no point; it now says why, and returns
    the last point whose field was defined: the start, where y = 0 sits at its bound (no free
    direction), judged at the LP's answer y = 1 (cost 3); step 2's interior y has none."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 4), initialize=2.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 1), initialize=0.0)
    g.F.o = pyo.Objective(expr=(g.x - 3) * g.F.y)
    g.o = pyo.Objective(expr=g.x + g.F.y)
    res = so.solve(g, "two-timescale")
    assert res.status == "error"
    assert res.message.startswith("step 2: the followers' Hessian D2^2 f2 is singular")
    assert res.leader["x"] == 2.0 and res.followers["F"]["y"] == pytest.approx(1.0, abs=1e-7)
    assert res.leader_objective == pytest.approx(3.0, abs=1e-7)
