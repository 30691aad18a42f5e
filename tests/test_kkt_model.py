"""The KKT system compiled once and copied (stackopt/kkt_model.py): a copy is independent of its
original, and an MPEC solve compiles the game's KKT system once for its evaluator and its MPEC."""

import pyomo.environ as pyo
import pytest
from pyomo.core.expr.visitor import identify_variables

import stackopt as so
from stackopt.kkt_model import KKTModel


def test_a_copy_is_its_own_model_with_its_own_system():
    original = KKTModel.of(so.models.bard1())
    copy = original.copy()
    assert copy.model is not original.model
    for v in copy.kkt.z_vars + copy.kkt.structure.leader_vars:
        assert v.model() is copy.model
    assert copy.kkt.structure.objective.model() is copy.model
    names = [c.name for c in original.kkt.stationarity]
    assert [c.name for c in copy.kkt.stationarity] == names
    copy.kkt.lam[0].set_value(7.0)
    copy.kkt.block.stationarity.deactivate()
    assert original.kkt.lam[0].value == 0.0 and original.kkt.block.stationarity.active
    # the copy's rows read the copy's Vars
    for row in copy.kkt.inequalities:
        assert all(v.model() is copy.model for v in identify_variables(row.expr))


def test_an_mpec_solve_compiles_the_kkt_system_once(monkeypatch):
    from stackopt import kkt

    compiled = []

    class Counted(kkt.KKTSystem):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            compiled.append(self)

    monkeypatch.setattr(kkt, "KKTSystem", Counted)
    res = so.solve(so.models.bard1(), method="mpec", multistart=1, certify=False)
    assert res.leader_objective == pytest.approx(17, abs=1e-6)
    assert len(compiled) == 1


def test_an_integer_leader_keeps_its_own_mpec():
    """The evaluator judges a relaxed copy; the exact strategy's MPEC keeps the Binary Var. With
    y = u, (u - 0.4)^2 - 0.1 y is 0.16 at u = 0 and 0.26 at u = 1 (relaxed: -0.0425 at 0.45)."""
    g = so.StackelbergGame()
    g.u = pyo.Var(within=pyo.Binary, initialize=0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 1))
    g.F.o = pyo.Objective(expr=g.F.y, sense=pyo.maximize)
    g.F.c = pyo.Constraint(expr=g.F.y <= g.u)
    g.o = pyo.Objective(expr=(g.u - 0.4) ** 2 - 0.1 * g.F.y)
    res = so.solve(g, method="mpec", strategy="sos1")
    assert res.status == "optimal" and res.leader["u"] == 0
    assert res.leader_objective == pytest.approx(0.16, abs=1e-9)
