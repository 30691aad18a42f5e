"""How a game's structure is read from Pyomo modelling features: deactivated sub-blocks, constant
constraints, ranged constraints with Var bounds, a component named ``dual``; answers checked
against closed forms."""

import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.structure import analyze


def sub_block_game():
    """F: min (y - x)^2 + (z - 3)^2 gives y = x, z = 3; the leader's (x - 2)^2 + x + 3 is least
    at x = 1.5, value 4.75. z lives in a deactivated sub-block of F."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 10))
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 10))
    g.F.sub = pyo.Block()
    g.F.sub.z = pyo.Var(bounds=(0, 10))
    g.F.sub.deactivate()
    g.F.o = pyo.Objective(expr=(g.F.y - g.x) ** 2 + (g.F.sub.z - 3) ** 2)
    g.L = pyo.Objective(expr=(g.x - 2) ** 2 + g.F.y + g.F.sub.z)
    return g


def test_a_var_of_a_deactivated_sub_block_is_its_followers_decision():
    s = analyze(sub_block_game())
    assert [v.name for v in s.followers[0].vars] == ["F.y", "F.sub.z"]
    assert [v.name for v in s.leader_vars] == ["x"]


@pytest.mark.parametrize("kw", [dict(method="mpec", strategy="sos1"), dict(method="gradient")])
def test_a_var_of_a_deactivated_sub_block_solves_to_the_closed_form(kw):
    r = so.solve(sub_block_game(), **kw)
    assert r.status in ("optimal", "locally_optimal"), r.message
    assert r.leader_objective == pytest.approx(4.75, abs=1e-6)
    assert r.leader["x"] == pytest.approx(1.5, abs=1e-5)
    assert r.followers["F"]["sub.z"] == pytest.approx(3.0, abs=1e-6)


def test_a_var_of_a_deactivated_sub_block_has_its_bounds_checked():
    g = sub_block_game()
    g.F.sub.z.setlb(5)
    g.F.sub.z.setub(1)
    with pytest.raises(so.ModelError, match=r"Var F\.sub\.z has lower bound 5 above"):
        analyze(g)


def constant_row_game(kind):
    """F: min (y - x)^2 s.t. y >= 1 gives y = max(x, 1); the leader's (x - 0.5)^2 + y is least
    at x = 0.5, value 1. Each kind adds a constant constraint that holds."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 10))
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 10))
    g.F.c = pyo.Constraint(expr=g.F.y >= 1)
    if kind == "fixed":
        g.F.z = pyo.Var()
        g.F.z.fix(3)
        g.F.t = pyo.Constraint(expr=g.F.z <= 5)
    elif kind == "feasible":
        g.F.t = pyo.Constraint([1], rule=lambda b, i: pyo.Constraint.Feasible)
    else:
        g.t = pyo.Constraint([1], rule=lambda m, i: pyo.Constraint.Feasible)
    g.F.o = pyo.Objective(expr=(g.F.y - g.x) ** 2)
    g.L = pyo.Objective(expr=(g.x - 0.5) ** 2 + g.F.y)
    return g


@pytest.mark.parametrize("kind", ["fixed", "feasible", "leader-feasible"])
def test_a_constant_constraint_that_holds_is_left_out(kind):
    s = analyze(constant_row_game(kind))
    assert [c.name for c in s.followers[0].constraints] == ["F.c"]
    assert s.constraints == []


@pytest.mark.parametrize("kind", ["fixed", "feasible", "leader-feasible"])
@pytest.mark.parametrize("strategy", ["scholtes", "sos1", "bigm"])
def test_a_constant_constraint_that_holds_solves_to_the_closed_form(kind, strategy):
    r = so.solve(constant_row_game(kind), method="mpec", strategy=strategy)
    assert r.status in ("optimal", "locally_optimal"), r.message
    assert r.leader_objective == pytest.approx(1.0, abs=1e-6)
    assert r.leader["x"] == pytest.approx(0.5, abs=1e-5)


@pytest.mark.parametrize(
    ("write", "shown"),
    [
        (lambda g: g.F.z <= 2, r"constraint F\.t is constant and violated: 3 <= 2$"),
        (lambda g: g.F.z == 2, r"constraint F\.t is constant and violated: 3 == 2$"),
        (
            lambda g: pyo.inequality(4, g.F.z, 6),
            r"constraint F\.t is constant and violated: 4 <= 3 <= 6$",
        ),
        (lambda g: pyo.Constraint.Infeasible, r"constraint F\.t is constant and violated: 1 <= 0$"),
    ],
)
def test_a_constant_constraint_that_is_violated_is_named(write, shown):
    g = constant_row_game("fixed")
    g.F.del_component("t")
    g.F.t = pyo.Constraint(rule=lambda b: write(g))
    with pytest.raises(so.ModelError, match=shown):
        so.solve(g, method="mpec")


def ranged_game(two_rows):
    """F: min (y - 5)^2 s.t. x <= y <= 2x gives y = min(5, 2x) for x in [0, 4]; the leader's
    x + (y - 4)^2 is x + (2x - 4)^2 on x <= 2.5, least at x = 1.875 (y = 3.75), value 1.9375
    (on x >= 2.5 it is x + 1 >= 3.5)."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 4))
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 20))
    g.F.o = pyo.Objective(expr=(g.F.y - 5) ** 2)
    if two_rows:
        g.F.low = pyo.Constraint(expr=g.x <= g.F.y)
        g.F.up = pyo.Constraint(expr=g.F.y <= 2 * g.x)
    else:
        g.F.r = pyo.Constraint(expr=pyo.inequality(g.x, g.F.y, 2 * g.x))
    g.L = pyo.Objective(expr=g.x + (g.F.y - 4) ** 2)
    return g


@pytest.mark.parametrize("method", ["mpec", "gradient", "slsqp"])
def test_a_ranged_constraint_with_a_var_bound_is_named_with_its_two_rows(method):
    with pytest.raises(
        so.ModelError,
        match=r"constraint F\.r is ranged \(x <= F\.y <= 2\*x\) with a Var in a bound.*"
        r"write it as two constraints, x <= F\.y and F\.y <= 2\*x$",
    ):
        so.solve(ranged_game(two_rows=False), method=method)


def test_the_ranged_constraint_written_as_two_solves_to_the_closed_form():
    r = so.solve(ranged_game(two_rows=True), method="mpec")
    assert r.status in ("optimal", "locally_optimal"), r.message
    assert r.leader_objective == pytest.approx(1.9375, abs=1e-6)
    assert r.leader["x"] == pytest.approx(1.875, abs=1e-5)


def test_a_ranged_constraint_with_a_fixed_var_bound_is_accepted():
    g = ranged_game(two_rows=False)
    g.F.del_component("r")
    g.F.w = pyo.Var(initialize=1.0)
    g.F.w.fix()
    g.F.r = pyo.Constraint(expr=pyo.inequality(g.F.w, g.F.y, 2))
    assert [c.name for c in analyze(g).followers[0].constraints] == ["F.r"]


def named_game(name, component):
    """F: min (y - x)^2 s.t. y >= 1; the leader's (x - 0.5)^2 + y is least at x = 0.5, value 1;
    the game also holds ``component`` under ``name``."""
    g = constant_row_game("feasible")
    g.F.del_component("t")
    g.add_component(name, component)
    return g


@pytest.mark.parametrize("name", ["dual", "rc"])
@pytest.mark.parametrize("strategy", ["scholtes", "sos1"])
def test_a_component_named_like_a_solver_suffix_that_is_no_suffix_is_refused(name, strategy):
    g = named_game(name, pyo.Param(initialize=3.0, mutable=True))
    with pytest.raises(
        so.ModelError, match=rf"the game's component '{name}' is a Param: the name '{name}' is "
    ):
        so.solve(g, method="mpec", strategy=strategy)


@pytest.mark.parametrize("direction", [pyo.Suffix.IMPORT, pyo.Suffix.EXPORT])
def test_a_dual_suffix_is_accepted_and_an_import_one_filled(direction):
    g = named_game("dual", pyo.Suffix(direction=direction))
    r = so.solve(g, method="mpec", strategy="sos1")
    assert r.status == "optimal", r.message
    assert r.leader_objective == pytest.approx(1.0, abs=1e-6)
    # y >= 1 binds at x = 0.5: its price is d/dy (y - x)^2 = 2 (y - x) = 1
    assert g.dual[g.F.c] == pytest.approx(1.0, abs=1e-5)
