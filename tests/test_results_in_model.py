"""Results back in the model: Vars, the ``dual`` Suffix and ``res.duals``, and nothing else changed."""

import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.models import cournot, duopoly

from .games import infeasible_duopoly, linear_bilevel, root_follower


def _state(game: pyo.Block) -> list:
    """Everything solve may not touch: components, activity, Var values/bounds/domains/fixing,
    Param values."""
    out = []
    for c in game.component_objects(descend_into=True):
        out.append((c.name, type(c).__name__, getattr(c, "active", None)))
    for v in game.component_data_objects(pyo.Var, descend_into=True):
        out.append((v.name, v.value, v.fixed, v.lb, v.ub, v.domain.name))
    for p in game.component_data_objects(pyo.Param, descend_into=True):
        out.append((p.name, pyo.value(p, exception=False)))
    for c in game.component_data_objects(pyo.Constraint, descend_into=True):
        out.append((c.name, str(c.expr), c.active))
    return out


METHODS = [
    dict(method="mpec", strategy="scholtes", multistart=3),
    dict(method="mpec", strategy="sos1"),
    dict(method="mpec", strategy=so.BigM(dual_big_M=200)),
    dict(method="mpec", strategy="penalty"),
    dict(method="gradient"),
    dict(method="slsqp"),
    dict(method="initial"),
    dict(method="mpec", strategy="nlp"),
    dict(method="mpec", strategy="smoothed-fb"),
    dict(method="trust-constr", max_iter=20),
    dict(method="stackelberg-br", max_iter=20),
    dict(method="tikhonov-zo", max_iter=5),
]


@pytest.mark.parametrize("options", METHODS, ids=lambda o: str(o.get("strategy", o["method"])))
def test_solve_leaves_the_model_as_it_was(options):
    g = cournot(n=2)
    g.F[1].cap = pyo.Constraint(expr=g.F[1].q <= 40 + g.q0)
    before = _state(g)
    res = so.solve(g, load_solution=False, **options)
    assert res.status != "error", res.message
    assert _state(g) == before


def test_the_returned_point_and_multipliers_are_loaded():
    g = linear_bilevel()
    res = so.solve(g, method="mpec", strategy="sos1")
    assert pyo.value(g.x) == res.leader["x"] == pytest.approx(4)
    assert pyo.value(g.F.y) == res.followers["F"]["y"] == pytest.approx(4)
    assert pyo.value(g.cost) == pytest.approx(res.leader_objective)
    # y = max((3x - 4)/2, 3 - x, 0): raising the right-hand side 4 of c4 by 1 lowers min y by 1/2
    assert res.duals == pytest.approx({"F.c1": 0, "F.c2": 0, "F.c3": 0, "F.c4": -0.5})
    assert g.dual.import_enabled()
    assert {c.name: v for c, v in g.dual.items()} == res.duals


def test_duals_agree_with_pyomos_own_solver_on_the_follower():
    """Pyomo's HiGHS on the follower's LP at the returned leader decision gives the same duals."""
    g = linear_bilevel()
    res = so.solve(g, method="mpec", strategy="sos1")
    follower = linear_bilevel()
    follower.x.fix(res.leader["x"])
    follower.cost.deactivate()
    follower.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    pyo.SolverFactory("appsi_highs").solve(follower)
    for name, price in res.duals.items():
        assert follower.dual[follower.find_component(name)] == pytest.approx(price, abs=1e-7)


def test_a_maximizing_followers_price_is_in_the_sense_of_its_objective():
    """max y s.t. y^2 <= x: y* = sqrt(rhs), d y*/d rhs = 1/(2 sqrt(4)) = 1/4 at x = 4."""
    g = root_follower()
    res = so.solve(g, method="mpec")
    assert res.duals["F.disk"] == pytest.approx(0.25, abs=1e-5)
    assert g.dual[g.F.disk] == pytest.approx(0.25, abs=1e-5)


def test_indexed_followers_are_loaded_by_index():
    g = cournot(n=2)
    res = so.solve(g, method="mpec")
    for i in (1, 2):
        assert g.F[i].q.value == pytest.approx(res.followers[f"F[{i}]"]["q"])


@pytest.mark.parametrize(
    ("make", "options"),
    [
        (linear_bilevel, dict(method="value-function")),
        (duopoly, dict(method="simgd", max_iter=20)),
        (duopoly, dict(method="lola", max_iter=20)),
        (duopoly, dict(method="two-timescale", max_iter=20)),
    ],
    ids=lambda o: o["method"] if isinstance(o, dict) else "",
)
def test_methods_for_narrower_games_leave_the_model_as_it_was(make, options):
    g = make()
    before = _state(g)
    res = so.solve(g, load_solution=False, **options)
    assert res.status != "error", res.message
    assert _state(g) == before


def test_a_failed_solve_loads_nothing():
    g = infeasible_duopoly()
    before = _state(g)
    res = so.solve(g, method="mpec", strategy="sos1")
    assert not res.success
    assert _state(g) == before
    assert g.component("dual") is None


@pytest.mark.parametrize(
    ("strategy", "solver"), [("sos1", "scip"), ("bigm", "scip"), ("bigm", "highs")]
)
def test_a_game_whose_dual_suffix_is_filled_is_solved_again_by_a_global_solver(strategy, solver):
    """A solve loads the multipliers into ``g.dual``; Pyomo's SCIP interface then asked SCIP for
    duals it does not have, and the next exact solve of the same game ended error
    ("ScipSolutionLoader ... get_duals"). Bard's example 5.1.1: -12 at (4, 4), proven."""
    g = linear_bilevel()
    assert so.solve(g, method="mpec").status == "locally_optimal" and len(g.dual) > 0
    res = so.solve(g, method="mpec", strategy=strategy, solver=solver)
    assert res.status == "optimal" and res.leader_objective == pytest.approx(-12, abs=1e-6)
    assert g.dual.import_enabled()  # the Suffix is left as it was


@pytest.mark.parametrize("method", ["gradient", "slsqp", "initial"])
def test_a_cvxpy_game_is_left_as_it_was_without_load_solution(method):
    """The cvxpy path evaluates on the game's own Vars: they kept its last point."""
    from tests.test_cvxpy_follower import cvxpy_duopoly

    g = cvxpy_duopoly()
    before = [(v.name, v.value) for v in g.component_data_objects(pyo.Var)]
    res = so.solve(
        g, method=method, load_solution=False, **({} if method == "initial" else {"max_iter": 20})
    )
    assert res.leader_objective is not None, res.message
    assert [(v.name, v.value) for v in g.component_data_objects(pyo.Var)] == before


def test_a_price_of_an_earlier_solve_does_not_stay_in_the_dual_suffix():
    """The follower's capacity is deactivated between two solves: its old price went on
    standing in g.dual (Pyomo's solvers clear an import Suffix before they load one)."""
    g = duopoly()
    g.F.cap = pyo.Constraint(expr=g.F.q <= 20)
    so.solve(g, method="mpec", strategy="sos1")
    assert g.F.cap in g.dual
    g.F.cap.deactivate()
    res = so.solve(g, method="mpec", strategy="sos1")
    assert res.duals == {} and g.F.cap not in g.dual


def test_another_game_s_result_is_refused_by_name():
    """so.certify and so.sensitivity on a Result of another game: a ModelError naming what the
    game lacks (AttributeError: 'NoneType' object has no attribute 'set_value'); a Result rebuilt
    from to_dict(), whose certificate is a dict: a ValueError saying so."""
    import json

    res = so.solve(duopoly(), method="mpec", strategy="sos1")
    with pytest.raises(so.ModelError, match="the Result names 'q0', which is no Var of"):
        so.certify(linear_bilevel(), res)
    g = cournot(n=2)
    with pytest.raises(so.ModelError, match="the Result names"):
        so.certify(g, res)
    rebuilt = so.Result(**json.loads(json.dumps(res.to_dict())))
    with pytest.raises(ValueError, match="certificate is a dict, not a stackopt Certificate"):
        so.certify(duopoly(), rebuilt)
