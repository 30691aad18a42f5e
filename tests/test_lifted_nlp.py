"""The lifted NLP (stackopt/lifted_nlp.py) against PyNumero's NLP of the same rows with every named
Expression written out in each row (the NL writer's export_defined_variables off): values, Jacobian
and Hessian of the Lagrangian."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest
from pyomo.contrib.pynumero.exceptions import PyNumeroEvaluationError

import stackopt as so
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.lifted_nlp import LIFTED_BLOCK, LiftedNLP
from stackopt.pynumero_nlp import pynumero_nlp


def _same_as_inline(model: pyo.Block, seed: int = 0) -> LiftedNLP:
    """Assert the lifted NLP's rows, dr/dv and Hessian equal the written-out NLP's at a random
    point."""
    rng = np.random.default_rng(seed)
    inline, lifted = pynumero_nlp(model, inline_expressions=True), LiftedNLP(model)
    names = [v.name for v in inline.get_pyomo_variables()]
    assert sorted(names) == sorted(v.name for v in lifted.variables)
    cols = np.array([names.index(v.name) for v in lifted.variables])
    row_names = [c.name for c in inline.get_pyomo_constraints()]
    rows = np.array([row_names.index(c.name) for c in lifted.rows])
    assert sorted(rows) == list(range(len(row_names)))
    x = inline.get_primals() + 0.1 + 0.3 * rng.random(len(names))
    inline.set_primals(x)
    lifted.x[:] = x[cols]
    np.testing.assert_allclose(
        lifted.constraints(), inline.evaluate_constraints()[rows], rtol=1e-13, atol=1e-13
    )
    jac = lifted.structure.copy()
    jac.data = lifted.jacobian()
    expected = inline.evaluate_jacobian().toarray()[np.ix_(rows, cols)]
    np.testing.assert_allclose(jac.toarray(), expected, rtol=1e-12, atol=1e-12)
    duals = rng.standard_normal(len(rows))
    inline_duals = np.zeros(len(rows))
    inline_duals[rows] = duals
    inline.set_duals(inline_duals)
    inline.set_obj_factor(0.0)
    hessian = inline.evaluate_hessian_lag().toarray()[np.ix_(cols, cols)]
    np.testing.assert_allclose(lifted.hessian(duals), hessian, rtol=1e-12, atol=1e-12)
    return lifted


def _nested() -> pyo.ConcreteModel:
    """Named Expressions nested two deep, one constant, a Var read only through one, and a row
    that reads an Expression both itself and inside another."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(3), initialize=1.0)
    m.hidden = pyo.Var(initialize=0.5)
    m.a = pyo.Expression(expr=m.x[0] * m.x[1] + pyo.exp(m.x[2]) + m.hidden**3)
    m.b = pyo.Expression(expr=m.a**2 + m.x[0])
    m.c = pyo.Expression(expr=pyo.log(m.b) * m.x[1])
    m.k = pyo.Expression(expr=3.0)
    m.r1 = pyo.Constraint(expr=m.c * m.x[2] + m.k * m.a <= 4)
    m.r2 = pyo.Constraint(expr=m.x[0] + m.a == 1)
    m.r3 = pyo.Constraint(expr=m.x[1] ** 2 + m.x[0] >= 0)
    m.o = pyo.Objective(expr=0.0)
    return m


def test_nested_named_expressions_match_the_inline_nlp_and_the_model_is_restored():
    m = _nested()
    before = {e.name: str(e.expr) for e in m.component_data_objects(pyo.Expression)}
    lifted = _same_as_inline(m)
    assert lifted.n_constraints() == 3
    assert m.component(LIFTED_BLOCK) is None
    assert {e.name: str(e.expr) for e in m.component_data_objects(pyo.Expression)} == before


def test_without_named_expressions_the_jacobian_keeps_the_nlp_order():
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(2), initialize=2.0)
    m.r = pyo.Constraint(expr=m.x[0] ** 2 * m.x[1] == 3)
    m.s = pyo.Constraint(expr=pyo.sin(m.x[1]) + m.x[0] <= 1)
    m.o = pyo.Objective(expr=0.0)
    lifted = _same_as_inline(m)
    inline = pynumero_nlp(m)
    structure = inline.evaluate_jacobian()
    assert np.array_equal(lifted.structure.row, structure.row)
    assert np.array_equal(lifted.structure.col, structure.col)


def test_the_security_games_kkt_rows_match_the_inline_nlp():
    """The evaluator's KKT rows of a small security game (every row reads the attacker's
    normalizer, a named Expression over the targets' named Expressions)."""
    evaluator = KKTEvaluator(
        so.models.security_game(defenders=2, targets=6, patrol=4, resources=2.0, seed=1)
    )
    model = evaluator.model
    evaluator.kkt.block.stationarity.activate()
    model.stackopt_eval.activate()
    for c in evaluator.kkt.structure.constraints:
        c.deactivate()
    model.stackopt_leader_cost.deactivate()
    model.stackopt_leader_columns.deactivate()
    model.stackopt_no_objective.activate()
    lifted = _same_as_inline(model, seed=3)
    assert len(lifted._y) > 0


def test_an_expression_undefined_at_the_point_is_an_evaluation_error():
    m = pyo.ConcreteModel()
    m.x = pyo.Var(initialize=1.0)
    m.e = pyo.Expression(expr=pyo.log(m.x))
    m.r = pyo.Constraint(expr=m.e * m.x <= 1)
    m.o = pyo.Objective(expr=0.0)
    lifted = LiftedNLP(m)
    lifted.x[:] = -1.0
    with pytest.raises(PyNumeroEvaluationError):
        lifted.constraints()
    lifted.x[:] = 2.0
    assert lifted.constraints() == pytest.approx([2 * np.log(2.0)])


def test_a_row_sharing_a_product_with_a_nested_expression_has_the_exact_hessian():
    """p = x y - u with u = x y (nested) is 0: the ASL's Hessian with u a defined variable gives
    d^2 p / dx dy = 1; the lifted NLP's is the exact 0, and the written-out NLP's too."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(initialize=0.7)
    m.y = pyo.Var(initialize=1.3)
    m.u = pyo.Expression(expr=m.x * m.y)
    m.p = pyo.Expression(expr=m.x * m.y - m.u)
    m.r = pyo.Constraint(expr=m.p + m.x**2 * m.y == 1)
    m.o = pyo.Objective(expr=0.0)
    lifted = _same_as_inline(m)
    lifted.x[:] = [0.7, 1.3]
    lifted.jacobian()
    names = [v.name for v in lifted.variables]
    i, j = names.index("x"), names.index("y")
    hessian = lifted.hessian(np.ones(1))
    assert hessian[i, j] == pytest.approx(2 * 0.7, abs=1e-14)  # d^2 (x^2 y) / dx dy = 2 x
    assert hessian[i, i] == pytest.approx(2 * 1.3, abs=1e-14)


def test_an_expression_read_only_with_a_zero_coefficient_is_not_lifted():
    """weight * reg with the mutable Param weight at 0: the NL writer drops the term; the leader's
    problem min (x - 2)^2 + y with y = x solves at x = 1.5, objective 1.75."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 5), initialize=1.0)
    g.weight = pyo.Param(mutable=True, initialize=0.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 5), initialize=1.0)
    g.F.cost = pyo.Objective(expr=(g.F.y - g.x) ** 2)
    g.reg = pyo.Expression(expr=(g.x - g.F.y) ** 2)
    g.obj = pyo.Objective(expr=(g.x - 2) ** 2 + g.F.y + g.weight * g.reg)
    res = so.solve(g, method="mpec")
    assert res.status == "locally_optimal", res.message
    assert res.leader_objective == pytest.approx(1.75, abs=1e-7)
