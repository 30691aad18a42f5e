"""method="value-function" on PAO's integer examples, against their answers and brute force."""

import pyomo.environ as pyo
import pytest

import stackopt as so

from .games import linear_bilevel


def toyexample1() -> so.StackelbergGame:
    """PAO's toyexample1 (Yue et al. 2019, toy example 1): PAO's answer x = 2, y = 2."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, None), within=pyo.Integers)
    g.L = so.Follower()
    g.L.y = pyo.Var(bounds=(0, None), within=pyo.Integers)
    g.o = pyo.Objective(expr=-g.x - 10 * g.L.y)
    g.L.o = pyo.Objective(expr=-g.L.y, sense=pyo.maximize)
    g.L.c1 = pyo.Constraint(expr=-25 * g.x + 20 * g.L.y <= 30)
    g.L.c2 = pyo.Constraint(expr=g.x + 2 * g.L.y <= 10)
    g.L.c3 = pyo.Constraint(expr=2 * g.x - g.L.y <= 15)
    g.L.c4 = pyo.Constraint(expr=-2 * g.x - 10 * g.L.y <= -15)
    return g


def toyexample3() -> so.StackelbergGame:
    """PAO's toyexample3 (Yue et al. 2019, toy example 3); PAO's answer xR = 3, xZ = 8, yR = 0.5,
    yZ = 0, objective -243.5 (its yueA3 test)."""
    g = so.StackelbergGame()
    g.xR = pyo.Var(bounds=(0, None))
    g.xZ = pyo.Var(bounds=(0, None), within=pyo.Integers)
    g.L = so.Follower()
    g.L.yR = pyo.Var(bounds=(0, None))
    g.L.yZ = pyo.Var(bounds=(0, None), within=pyo.Integers)
    g.o = pyo.Objective(expr=20 * g.xR - 38 * g.xZ + g.L.yR + 42 * g.L.yZ)
    g.c1 = pyo.Constraint(expr=7 * g.xR + 5 * g.xZ + 7 * g.L.yZ <= 62)
    g.c2 = pyo.Constraint(expr=6 * g.xR + 9 * g.xZ + 10 * g.L.yR + 2 * g.L.yZ <= 117)
    g.L.o = pyo.Objective(expr=39 * g.L.yR + 27 * g.L.yZ, sense=pyo.maximize)
    g.L.c1 = pyo.Constraint(expr=8 * g.xR + 2 * g.L.yR + 8 * g.L.yZ <= 53)
    g.L.c2 = pyo.Constraint(expr=9 * g.xR + 2 * g.L.yR + g.L.yZ <= 28)
    return g


def mibs() -> so.StackelbergGame:
    """PAO's mibs example (MibS' generalExample): the optimum is x = 6, y = 5."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 10), within=pyo.Integers)
    g.L = so.Follower()
    g.L.y = pyo.Var(bounds=(0, 5), within=pyo.Integers)
    g.o = pyo.Objective(expr=-g.x - 7 * g.L.y)
    g.c1 = pyo.Constraint(expr=-3 * g.x + 2 * g.L.y <= 12)
    g.c2 = pyo.Constraint(expr=g.x + 2 * g.L.y <= 20)
    g.L.o = pyo.Objective(expr=g.L.y)
    g.L.c1 = pyo.Constraint(expr=2 * g.x - g.L.y <= 7)
    g.L.c2 = pyo.Constraint(expr=-2 * g.x + 4 * g.L.y <= 16)
    return g


def _brute_force(make, xs, ys) -> float:
    """The optimistic bilevel optimum over integer grids of a game with scalar x and L.y."""
    best = float("inf")
    for x in xs:
        g = make()
        responses = []
        for y in ys:
            g.x.set_value(x)
            g.L.y.set_value(y)
            cons = g.L.component_data_objects(pyo.Constraint)
            if all(pyo.value(c.body) <= pyo.value(c.upper) + 1e-9 for c in cons):
                sign = 1 if g.L.o.sense == pyo.minimize else -1
                responses.append((sign * pyo.value(g.L.o), y))
        if not responses:
            continue
        phi = min(r[0] for r in responses)
        for value, y in responses:
            g.L.y.set_value(y)
            top = g.component_data_objects(pyo.Constraint, descend_into=False)
            if value <= phi + 1e-9 and all(pyo.value(c.body) <= pyo.value(c.upper) for c in top):
                best = min(best, pyo.value(g.o))
    return best


@pytest.mark.parametrize(
    "make, x, y, objective, grid",
    [(toyexample1, 2, 2, -22, range(0, 16)), (mibs, 6, 5, -41, range(0, 11))],
    ids=["toyexample1", "mibs"],
)
def test_pure_integer_followers(make, x, y, objective, grid):
    g = make()
    res = so.solve(g, method="value-function")
    assert res.status == "optimal", res.message
    assert res.leader == {"x": x} and res.followers == {"L": {"y": y}}
    assert res.leader_objective == pytest.approx(objective)
    assert res.certificate.equilibrium.exact and res.certificate.global_bound.proven
    assert _brute_force(make, grid, range(0, 16)) == pytest.approx(objective)
    assert g.x.value == x  # loaded into the model


def test_toyexample3_mixed_integer_follower():
    """The infimum -243.5 is not attained: at xR = 3 the follower prefers yZ = 1 (27 > 19.5), so
    the leader takes xR just above 3, where yZ = 1 is infeasible; the integer part is declared
    infeasible with a margin of FARKAS_MARGIN, whence xR = 3 + O(1e-4)."""
    res = so.solve(toyexample3(), method="value-function")
    assert res.status == "optimal", res.message
    assert res.leader["xR"] == pytest.approx(3, abs=1e-4)
    assert res.leader["xZ"] == 8
    assert res.followers["L"] == {"yR": pytest.approx(0.5, abs=1e-3), "yZ": 0}
    assert res.leader_objective == pytest.approx(-243.5, abs=1e-3)
    assert res.certificate.equilibrium.gap <= 1e-6


def test_a_continuous_follower_agrees_with_the_mpec():
    res = so.solve(linear_bilevel(), method="value-function")
    assert res.status == "optimal", res.message
    assert res.leader["x"] == pytest.approx(4) and res.leader_objective == pytest.approx(-12)


def test_the_callback_stops_at_the_incumbent(caplog):
    rows = []
    full = so.solve(toyexample3(), method="value-function", callback=rows.append)
    assert full.status == "optimal" and len(rows) == len(full.history) - 1  # not after the last
    assert all(row["lower"] <= row["upper"] for row in rows)  # minimized: lower bound first
    with caplog.at_level("INFO", logger="stackopt.value-function"):
        stopped = so.solve(
            toyexample3(), method="value-function", callback=lambda s: True, verbose=True
        )
    assert stopped.status == "iteration_limit" and "callback after 1" in stopped.message
    assert len(stopped.history) == 1 and "iteration 0: bounds" in caplog.text


def test_refusals():
    g = mibs()
    g.M = so.Follower()
    g.M.z = pyo.Var(bounds=(0, 1))
    g.M.o = pyo.Objective(expr=g.M.z)
    with pytest.raises(so.ModelError, match=r"takes one follower"):
        so.solve(g, method="value-function")
    g = mibs()
    g.L.o.set_value(g.L.y**2)
    with pytest.raises(so.ModelError, match=r"L.o is not linear"):
        so.solve(g, method="value-function")
    with pytest.raises(
        so.ModelError, match=r"method='value-function'"
    ):  # integer leader and follower
        so.solve(mibs(), method="mpec")


def test_the_grid_search_is_not_vacuous():
    assert _brute_force(mibs, range(0, 11), range(0, 6)) < _brute_force(mibs, [0], range(0, 6))


def test_an_unbounded_high_point_relaxation_is_bounded_by_the_value_function():
    """PAO's pineda: max x + y, 0 <= x <= 2, y in argmin {y : y >= 100 x - 100, y >= 0}. Without
    the follower's optimality y is unbounded; with the value function of its (only, continuous)
    part the master is the bilevel problem: x = 2, y = 100, value 102 (PAO's answer)."""
    from stackopt.models.benchmarks import pao

    res = so.solve(pao.pineda(), method="value-function")
    assert res.status == "optimal"
    assert res.leader_objective == pytest.approx(102.0, rel=1e-6)
    assert res.followers["L"]["y"] == pytest.approx(100.0, rel=1e-6)


def test_an_unbounded_bilevel_problem_is_an_error_naming_the_fix():
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, None), initialize=0.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, None))
    g.F.o = pyo.Objective(expr=g.F.y)
    g.F.c = pyo.Constraint(expr=g.F.y >= g.x)
    g.o = pyo.Objective(expr=-g.x - g.F.y)  # y = x: the leader's -2x has no minimum
    res = so.solve(g, method="value-function")
    assert res.status == "error"
    assert "unbounded" in res.message and "bound the follower's Vars" in res.message


def test_certify_false_grants_no_optimal():
    """As under every method, certify=False leaves the status at most feasible."""
    res = so.solve(toyexample1(), method="value-function", certify=False)
    assert res.status == "feasible" and res.leader_objective == pytest.approx(-22)


def test_certify_rechecks_an_integer_follower_s_result():
    """MibS's example: the follower's best response is y = max(0, 2x - 7), so -41 at (6, 5) is
    optimal; certify judges a value-function Result as the solve did, lets a certify=False Result
    earn its optimal, and refuses it where the follower would answer otherwise or the leader's
    bound has changed (they raised a ModelError on the integer follower)."""
    from stackopt.models.benchmarks.pao import mibs

    g = mibs()
    res = so.solve(g, method="value-function")
    assert (res.status, res.leader_objective) == ("optimal", -41.0)
    assert so.certify(g, res).status == "optimal"
    quiet = so.solve(g, method="value-function", certify=False)
    assert quiet.status == "feasible"
    assert so.certify(g, quiet).status == "optimal"
    res.leader["x"] = 5  # y = 3 is the best response there, not 5
    assert so.certify(g, res).status != "optimal"
    res.leader["x"] = 6
    g.x.setub(5)
    changed = so.certify(g, res)
    assert changed.status == "infeasible" and changed.violation == pytest.approx(1.0)
