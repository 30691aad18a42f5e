"""A follower whose objective moves at a constant rate in a Var that nothing holds has no best
response at any leader decision: a ModelError naming the follower and the Var, before any solve."""

import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.kkt import compile_kkt
from stackopt.structure import analyze


def free_linear(sense=pyo.minimize, rate=1.0):
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 10))
    g.F = so.Follower()
    g.F.y = pyo.Var()
    g.F.z = pyo.Var(bounds=(0, 1))
    g.F.cost = pyo.Objective(expr=rate * g.F.y + (g.F.z - g.x) ** 2, sense=sense)
    g.obj = pyo.Objective(expr=g.x + g.F.z)
    return g


@pytest.mark.parametrize("method", ["mpec", "gradient"])
@pytest.mark.parametrize("sense", [pyo.minimize, pyo.maximize])
def test_a_free_var_in_a_linear_objective_term_is_named(method, sense):
    with pytest.raises(
        so.ModelError, match=r"Follower F has no best response: .* rate -2 in its Var F\.y"
    ):
        so.solve(free_linear(sense, -2.0), method=method)


def test_a_bound_holds_the_var():
    g = free_linear()
    g.F.y.setlb(-3)  # min y + ... over y >= -3: y = -3, the bound's multiplier 1
    kkt = compile_kkt(analyze(g.clone()))
    assert len(kkt.inequalities) == 3  # y's lower bound, z's two bounds


def test_a_param_rate_is_read_at_its_value():
    g = free_linear()
    g.q = pyo.Param(mutable=True, initialize=0.0)
    g.F.cost.set_value(g.q * g.F.y + (g.F.z - g.x) ** 2)
    compile_kkt(analyze(g.clone()))
    g.q.set_value(0.5)
    with pytest.raises(so.ModelError, match=r"rate 0\.5 in its Var F\.y"):
        compile_kkt(analyze(g.clone()))
