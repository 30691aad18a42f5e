"""stackopt.dual given something that is no constraint of the game: a ModelError naming it."""

import pyomo.environ as pyo
import pytest

import stackopt as so
from tests.test_model_errors import base


def test_a_constraint_of_another_model_is_named():
    m = pyo.ConcreteModel()
    m.v = pyo.Var()
    m.c = pyo.Constraint(expr=m.v >= 0)
    g = base()
    g.obj.set_value(g.x + so.dual(m.c))
    with pytest.raises(
        so.ModelError, match=r"stackopt.dual\(c\): c is not a constraint of this game"
    ):
        so.solve(g, method="mpec")


def test_a_constraint_of_a_clone_of_the_game_is_named():
    g = base()
    g.F.c = pyo.Constraint(expr=g.F.y >= g.x - 2)
    other = g.clone()
    g.obj.set_value(g.x + so.dual(other.F.c))
    with pytest.raises(so.ModelError, match=r"stackopt.dual\(F\.c\): F\.c is not a constraint of"):
        so.solve(g, method="mpec")


@pytest.mark.parametrize(
    ("given", "named"),
    [
        (lambda g: g.x, "Var x"),
        (lambda g: g.F.y + 1, r"the expression F\.y \+ 1"),
        (lambda g: 3, "3"),
    ],
)
def test_what_is_no_constraint_is_named(given, named):
    g = base()
    with pytest.raises(
        so.ModelError, match=f"stackopt.dual takes a Pyomo constraint, got {named}$"
    ):
        so.dual(given(g))
