"""A mutable Param without a value in a function or a bound: a ModelError naming it and its user,
raised before any solver runs, and without Pyomo's logged evaluation errors."""

import logging

import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.structure import analyze


def base():
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 10))
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 10))
    g.F.c = pyo.Constraint(expr=g.F.y >= g.x - 2)
    g.F.cost = pyo.Objective(expr=(g.F.y - g.x) ** 2)
    g.obj = pyo.Objective(expr=g.x + g.F.y)
    return g


def in_follower_bound(g):
    g.p = pyo.Param(mutable=True)
    g.F.c2 = pyo.Constraint(expr=g.F.y <= g.p)
    return r"Constraint F\.c2 uses Param p, which has no value"


def in_follower_objective(g):
    g.q = pyo.Param(mutable=True)
    g.F.cost.set_value((g.F.y - g.q * g.x) ** 2)
    return r"Objective F\.cost uses Param q, which has no value"


def in_leader_objective(g):
    g.q = pyo.Param(mutable=True)
    g.obj.set_value(g.q * g.x + g.F.y)
    return r"Objective obj uses Param q, which has no value"


def indexed_entry(g):
    g.p = pyo.Param([1, 2], mutable=True, initialize={1: 1.0})
    g.F.cost.set_value((g.F.y - g.p[1] * g.p[2] * g.x) ** 2)
    return r"Objective F\.cost uses Param p\[2\], which has no value.*p\[2\]\.set_value"


def in_var_bound(g):
    g.p = pyo.Param(mutable=True)
    g.x.setub(g.p)
    return r"Var x uses Param p, which has no value"


CASES = [in_follower_bound, in_follower_objective, in_leader_objective, indexed_entry, in_var_bound]


@pytest.mark.parametrize("method", ["mpec", "gradient", "initial", "slsqp"])
@pytest.mark.parametrize("case", CASES)
def test_a_param_without_value_is_a_model_error(case, method, caplog):
    g = base()
    match = case(g)
    with caplog.at_level(logging.ERROR), pytest.raises(so.ModelError, match=match):
        so.solve(g, method=method)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("case", CASES)
def test_analyze_names_the_param(case):
    g = base()
    with pytest.raises(so.ModelError, match=case(g)):
        analyze(g)


def test_a_param_given_a_value_later_is_fine():
    g = base()
    in_follower_bound(g)
    g.p.set_value(5.0)
    assert [f.name for f in analyze(g).followers] == ["F"]
