"""Every modelling rule broken once: a ModelError naming the component, before any solver runs."""

import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.structure import analyze


def base():
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 10))
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 10))
    g.F.cost = pyo.Objective(expr=(g.F.y - g.x) ** 2)
    g.obj = pyo.Objective(expr=g.x + g.F.y)
    return g


def test_the_base_model_is_valid():
    s = analyze(base())
    assert [v.name for v in s.leader_vars] == ["x"]
    assert [f.name for f in s.followers] == ["F"]


def test_no_follower():
    g = so.StackelbergGame()
    g.x = pyo.Var()
    g.obj = pyo.Objective(expr=g.x**2)
    with pytest.raises(so.ModelError, match="has no Follower"):
        so.solve(g)


def test_follower_without_objective():
    g = base()
    g.F.cost.deactivate()
    with pytest.raises(
        so.ModelError, match=r"Follower F needs exactly one active Objective; found 0"
    ):
        so.solve(g)


def test_follower_with_two_objectives():
    g = base()
    g.F.other = pyo.Objective(expr=g.F.y)
    with pytest.raises(so.ModelError, match=r"Follower F .* found 2 \(F.cost, F.other\)"):
        so.solve(g)


def test_leader_with_two_objectives():
    g = base()
    g.obj2 = pyo.Objective(expr=g.x)
    with pytest.raises(
        so.ModelError, match=r"exactly one active top-level Objective; found 2 \(obj, obj2\)"
    ):
        so.solve(g)


def test_leader_without_objective():
    g = base()
    g.obj.deactivate()
    with pytest.raises(so.ModelError, match="found 0 \\(none\\)"):
        so.solve(g)


def test_follower_constraint_using_another_followers_var():
    g = base()
    g.G = so.Follower()
    g.G.w = pyo.Var(bounds=(0, 1))
    g.G.cost = pyo.Objective(expr=g.G.w**2 + g.G.w * g.F.y)  # objectives may use others' Vars
    g.G.bad = pyo.Constraint(expr=g.G.w <= g.F.y)
    with pytest.raises(
        so.ModelError, match=r"constraint G.bad of Follower G uses Var 'F.y' of Follower F"
    ):
        so.solve(g)


def test_follower_constraint_on_the_leaders_vars_alone():
    """A follower constraint without the follower's own Vars (x <= 3 on F): its multiplier
    would appear in no stationarity row; mpec ended error with an internal KeyError."""
    for method in ("mpec", "gradient"):
        g = base()
        g.F.leader_only = pyo.Constraint(expr=g.x <= 3)
        with pytest.raises(
            so.ModelError,
            match=r"constraint F.leader_only of Follower F uses none of F's own Vars: it "
            r"constrains the leader's decision alone, and belongs on the game",
        ):
            so.solve(g, method=method)


def test_var_owned_by_nobody_on_a_plain_block():
    g = base()
    g.b = pyo.Block()
    g.b.z = pyo.Var()
    g.F.c = pyo.Constraint(expr=g.F.y <= g.b.z)
    with pytest.raises(so.ModelError, match=r"F.c uses Var 'b.z', which is owned by nobody"):
        so.solve(g)


def test_var_from_another_model():
    other = pyo.ConcreteModel()
    other.v = pyo.Var()
    g = base()
    g.link = pyo.Constraint(expr=g.x <= other.v)
    with pytest.raises(
        so.ModelError,
        match=r"link uses Var 'v', which is owned by nobody: it belongs to another model",
    ):
        so.solve(g)


def test_not_twice_differentiable():
    g = base()
    g.F.cost.set_value(abs(g.F.y - g.x))
    with pytest.raises(
        so.ModelError, match=r"F.cost uses abs\(\), which is not twice differentiable"
    ):
        so.solve(g)


@pytest.mark.parametrize(
    "spelled",
    [lambda u: pyo.sqrt(u**2), lambda u: (u**2) ** 0.5, lambda u: pyo.sqrt(u * u)],
    ids=["sqrt(u**2)", "(u**2)**0.5", "sqrt(u*u)"],
)
def test_abs_spelled_as_the_root_of_a_square_is_refused_like_abs(spelled):
    """An audit's follower cost (y - x)^2 + sqrt(y**2) made gradient and sos1 run past two
    minutes and stackelberg-br end with PyNumero's words: it is abs(y), refused by name."""
    g = base()
    g.F.cost.set_value(spelled(g.F.y - g.x))
    with pytest.raises(so.ModelError, match=r"F.cost uses sqrt\(u\*\*2\) \(that is abs\(u\)\)"):
        so.solve(g)
    g.F.cost.set_value(pyo.sqrt((g.F.y - g.x) ** 2 + 1))  # smooth: accepted
    so.solve(g, method="initial", certify=False)


def test_integer_follower_decision():
    g = base()
    g.F.y.domain = pyo.Integers
    with pytest.raises(so.ModelError, match=r"Var F.y of Follower F is Integers"):
        so.solve(g)


def _second_follower(objective_of_z: bool) -> so.StackelbergGame:
    g = base()
    g.G = so.Follower()
    g.G.z = pyo.Var(bounds=(0, 1))
    g.G.cost = pyo.Objective(expr=g.G.z if objective_of_z else g.F.y)
    return g


def test_follower_deciding_nothing():
    with pytest.raises(so.ModelError, match=r"Follower G decides nothing"):
        so.solve(_second_follower(objective_of_z=False))


def test_follower_constraint_using_another_followers_var_points_to_shared_constraints():
    g = _second_follower(objective_of_z=True)
    g.G.cap = pyo.Constraint(expr=g.G.z + g.F.y <= 1)
    with pytest.raises(so.ModelError, match=r"G.cap .* stackopt.SharedConstraint"):
        so.solve(g)


def test_nested_follower():
    g = base()
    g.F.inner = so.Follower()
    g.F.inner.v = pyo.Var()
    g.F.inner.cost = pyo.Objective(expr=g.F.inner.v**2)
    with pytest.raises(so.ModelError, match=r"Follower F.inner is nested inside Follower F"):
        so.solve(g)


def test_user_complementarity_is_rejected():
    from pyomo.mpec import Complementarity, complements

    g = base()
    g.comp = Complementarity(expr=complements(g.x >= 0, g.F.y >= 0))
    with pytest.raises(so.ModelError, match=r"Complementarity comp is not supported"):
        so.solve(g)


def test_not_a_game():
    with pytest.raises(
        so.ModelError, match="expected a stackopt.StackelbergGame, got ConcreteModel"
    ):
        so.solve(pyo.ConcreteModel())


@pytest.mark.parametrize("method", ["gradient", "slsqp", "trust-constr", "tikhonov-zo"])
def test_a_leader_without_a_free_var_is_refused_by_the_methods_that_move_it(method):
    """The leader's only Var fixed: these methods ended error with numpy's "zero-size array" or
    scipy's "AttributeError: nit"; mpec returns the followers' equilibrium, the whole answer."""
    g = base()
    g.x.fix(3.0)
    with pytest.raises(so.ModelError, match=rf"method='{method}' moves the leader's decision"):
        so.solve(g, method=method)
    res = so.solve(g, method="mpec")
    assert res.success and res.followers["F"]["y"] == pytest.approx(3.0, abs=1e-6)


def test_a_deactivated_followers_var_in_use_is_named_as_such_and_fixing_it_solves():
    """Cournot with follower F[2] deactivated: the others' profits still use its quantity. The
    message said its block was 'neither the game nor a Follower'; fixed, its quantity is data."""
    from stackopt.models import cournot

    g = cournot(n=3)
    g.F[2].deactivate()
    with pytest.raises(so.ModelError, match=r"'F\[2\]\.q' of Follower F\[2\], which is deact"):
        so.solve(g, method="mpec")
    g.F[2].q.fix(g.F[2].q.value or 0.0)
    assert so.solve(g, method="mpec").status == "locally_optimal"


def test_a_constant_leader_objective_is_refused_by_name():
    """Its KKT evaluator's cost row was a trivial Boolean: mpec and gradient ended error with
    Pyomo's own words and ERROR lines."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 5), initialize=1)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 3))
    g.F.o = pyo.Objective(expr=(g.F.y - g.x) ** 2)
    g.obj = pyo.Objective(expr=0)
    with pytest.raises(so.ModelError, match=r"Objective obj is a constant \(0.0\)"):
        so.solve(g, method="mpec")
    g.obj.set_value(0 * g.x)  # a feasibility question in the game's Vars
    assert so.solve(g, method="mpec").leader_objective == 0.0
