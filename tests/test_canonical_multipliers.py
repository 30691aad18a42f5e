"""Result.duals reports the least-norm follower multipliers where they are not unique."""

import itertools

import numpy as np
import pyomo.environ as pyo
import pytest
from scipy.linalg import null_space

import stackopt as so
from stackopt.backends.oracles.multipliers import _least_norm, least_norm_multipliers
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.models.benchmarks.pao import bard511

from .test_follower_dual import _capacity_paid_the_price

METHODS = [
    {"method": "mpec", "strategy": "sos1"},
    {"method": "mpec"},
    {"method": "gradient"},
]


@pytest.mark.parametrize("options", METHODS, ids=lambda o: o.get("strategy", o["method"]))
def test_bard511s_degenerate_point_has_the_same_prices_under_every_method(options):
    """At (4, 4) c3: 2x + y <= 12 and c4: 3x - 2y <= 4 bind, and min y's stationarity is
    1 + lam3 - 2 lam4 = 0: every lam3 >= 0 with lam4 = (1 + lam3) / 2 is a multiplier (the
    default mpec ended at c3 = -1.3e5, the gradient method at -1.9e8). The least-norm one: the
    line's point nearest 0, (-1/5, 2/5), has lam3 < 0, so lam3 = 0 and lam4 = 1/2 (prices
    -lam: upper bounds)."""
    res = so.solve(bard511(), **options)
    assert res.status in ("optimal", "locally_optimal"), res.message
    assert res.leader["x"] == pytest.approx(4, abs=1e-6)
    assert res.duals == pytest.approx({"L.c1": 0, "L.c2": 0, "L.c3": 0, "L.c4": -0.5}, abs=1e-6)
    lam3, lam4 = -res.duals["L.c3"], -res.duals["L.c4"]
    assert 1 + lam3 - 2 * lam4 == pytest.approx(0, abs=1e-6)


@pytest.mark.parametrize("options", METHODS, ids=lambda o: o.get("strategy", o["method"]))
def test_bard1s_degenerate_point_has_the_same_prices_under_every_method(options):
    """At (x, 1 ... 0): c1: 3x - y >= 3 and y >= 0 bind, stationarity 2(y - 1) - 1.5x - lam1
    + lam_y = 0 at y = 0: lam1 = 2 + 1.5x + lam_y, least-norm at lam_y = 0 (the line's nearest
    point to 0 has lam_y < 0); the default mpec ended at lam1 = 99812."""
    res = so.solve(so.models.bard1(), **options)
    assert res.status in ("optimal", "locally_optimal"), res.message
    x = res.leader["x"]
    assert x == pytest.approx(1, abs=1e-6) and res.followers["F"]["y"] == pytest.approx(0)
    assert res.duals == pytest.approx({"F.c1": 2 + 1.5 * x, "F.c2": 0, "F.c3": 0}, abs=1e-6)


def test_a_degenerate_price_splits_by_least_norm():
    """min -y s.t. c1: y <= x, c2: 2y <= 2, so y = min(x, 1) and the leader's x - 2y is least at
    x = 1, where lam1 + 2 lam2 = 1: least-norm (1, 2) / 5, both positive (no vertex of the
    multiplier set)."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 2), initialize=0.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, None))
    g.F.cost = pyo.Objective(expr=-g.F.y)
    g.F.c1 = pyo.Constraint(expr=g.F.y <= g.x)
    g.F.c2 = pyo.Constraint(expr=2 * g.F.y <= 2)
    g.cost = pyo.Objective(expr=g.x - 2 * g.F.y)
    res = so.solve(g, method="mpec", strategy="sos1")
    assert res.leader["x"] == pytest.approx(1, abs=1e-9)
    assert res.duals == pytest.approx({"F.c1": -0.2, "F.c2": -0.4}, abs=1e-9)


def _lp_follower(seed: int) -> tuple[KKTEvaluator, np.ndarray, np.ndarray, np.ndarray]:
    """A follower min c.y, y in R^2, with five inequalities a_j.y <= a_j.y* and one equality
    e.y == e.y*, all binding at y* = (1, 2), c = -(A^T lam + e nu) with random lam >= 0, nu: the
    evaluator, z at y* (multipliers zero), pi, and the stationarity matrix [A^T, e]."""
    rng = np.random.default_rng(seed)
    A, e, y = rng.normal(size=(5, 2)), rng.normal(size=2), np.array([1.0, 2.0])
    c = -(A.T @ rng.uniform(0, 1, 5) + e * rng.normal())
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 1))
    g.F = so.Follower()
    g.F.y = pyo.Var([0, 1])
    g.F.cost = pyo.Objective(expr=sum(c[i] * g.F.y[i] for i in range(2)))
    g.F.c = pyo.Constraint(range(5), rule=lambda b, j: sum(A[j] * list(b.y.values())) <= A[j] @ y)
    g.F.e = pyo.Constraint(expr=sum(e * list(g.F.y.values())) == e @ y)
    g.cost = pyo.Objective(expr=g.x)
    ev = KKTEvaluator(g)
    z = np.zeros(ev.n_z)
    z[: ev.n_x] = y
    return ev, z, np.zeros(1), np.column_stack([A.T, e])


def _brute_force_least_norm(M: np.ndarray, rhs: np.ndarray, signed: np.ndarray) -> np.ndarray:
    """argmin ||m|| s.t. M m = rhs, m[signed] >= 0: the optimum is the least-norm solution on the
    face where its zero multipliers are held at 0; enumerate every face, keep the least feasible."""
    best = None
    for zeros in itertools.product([False, True], repeat=int(signed.sum())):
        face = np.ones(M.shape[1], bool)
        face[np.flatnonzero(signed)[list(zeros)]] = False
        m = np.zeros(M.shape[1])
        if face.any():
            m[face] = np.linalg.lstsq(M[:, face], rhs, rcond=None)[0]
        if np.allclose(M @ m, rhs, atol=1e-10) and m[signed].min(initial=0.0) >= -1e-12:
            best = m if best is None or m @ m < best @ best else best
    assert best is not None
    return best


@pytest.mark.parametrize("seed", range(5))
def test_the_least_norm_multipliers_are_those_of_a_brute_force_over_the_faces(seed):
    ev, z, pi, M = _lp_follower(seed)
    c = ev.evaluate(z, pi).residual[: ev.n_x]  # the stationarity rows at zero multipliers: c
    m = _brute_force_least_norm(M, -c, np.arange(6) < 5)
    expected = {f"F.c[{j}]": -m[j] for j in range(5)} | {"F.e": -m[5]}
    for start in (z, z + np.concatenate([np.zeros(ev.n_x), np.full(ev.n_z - ev.n_x, 7.0)])):
        canonical = least_norm_multipliers(ev, start, pi, 1e-6)
        assert ev.kkt.duals(canonical) == pytest.approx(expected, abs=1e-9)
        assert ev.evaluate(canonical, pi).norm <= 1e-9  # stationarity and complementarity hold


def test_unique_multipliers_are_kept():
    """min (y1 - 3)^2 + (y2 - 3)^2 s.t. c1: y1 + y2 <= x, c2: y1 <= 0.5 at x = 2: y = (0.5, 1.5),
    -5 + lam1 + lam2 = 0 and -3 + lam1 = 0: lam = (3, 2), unique, kept as the method's."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 10), initialize=0.0)
    g.F = so.Follower()
    g.F.y = pyo.Var([1, 2])
    g.F.cost = pyo.Objective(expr=(g.F.y[1] - 3) ** 2 + (g.F.y[2] - 3) ** 2)
    g.F.c1 = pyo.Constraint(expr=g.F.y[1] + g.F.y[2] <= g.x)
    g.F.c2 = pyo.Constraint(expr=g.F.y[1] <= 0.5)
    g.cost = pyo.Objective(expr=(g.x - 2) ** 2)
    res = so.solve(g, method="mpec")
    assert res.duals == pytest.approx({"F.c1": -3, "F.c2": -2}, abs=1e-9)
    ev = KKTEvaluator(g)
    z, pi = ev.values_of({"F.y[1]": 0.5, "F.y[2]": 1.5, "x": 2.0})
    z[ev.n_x :] = [3.0, 2.0]
    assert np.array_equal(least_norm_multipliers(ev, z, pi, 1e-6), z)


def test_a_price_game_keeps_the_price_the_certificate_judged():
    """At n = 10/3 the balance's price is any of [5, 40] (lam_bal = 40 - t, lam_cap = 35 - t
    with t in [0, 35] on g1 >= 0); the least-norm point, t = 25, prices it at 15. The leader
    earns the price: the certificate judged it at 40, and 40 is reported."""
    g = _capacity_paid_the_price()
    res = so.solve(g, method="mpec", strategy="sos1")
    assert res.duals["M.bal"] == pytest.approx(40, abs=1e-5)
    assert pyo.value(so.dual(g.M.bal)) == pytest.approx(40, abs=1e-5)
    ev = KKTEvaluator(g)
    z, pi = ev.values_of({"M.g0": 10.0, "M.g1": 0.0, "n": 10 / 3})
    least = ev.kkt.duals(least_norm_multipliers(ev, z, pi, 1e-6))
    assert least["M.bal"] == pytest.approx(15, abs=1e-9)


def test_the_least_norm_is_exact_where_rounding_leaves_the_multiplier_set_no_interior():
    """Dependent constraint gradients (a repeated one, one a combination of two others) and
    multipliers with zeros make sets that are a single point along some null direction: the
    least-distance program's constraints then cross in rounding, and Lawson and Hanson's NNLS
    divides by zero there (cases 80, 81 and 90 gave NaN or wrong multipliers). Checked
    against the brute force over the faces."""
    rng = np.random.default_rng(1)
    for case in range(300):
        rows = rng.integers(1, 6)
        a = rng.normal(size=(rows, rng.integers(rows + 1, 11)))
        if case % 3 == 0:
            a[:, -1] = a[:, 0]
        if case % 5 == 0:
            a[:, 1] = 0.5 * a[:, 0] - a[:, -1]
        signed = rng.random(a.shape[1]) < 0.7
        m = rng.normal(size=a.shape[1])
        m[signed] = np.abs(m[signed]) * (rng.random(signed.sum()) < 0.6)
        found = _least_norm(a, null_space(a), a @ m, signed)
        assert found == pytest.approx(_brute_force_least_norm(a, a @ m, signed), abs=1e-10), case
