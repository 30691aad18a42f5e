"""A warm-started solve at a new penalty weight starts dual feasible (backends/compiled_nlp.py).

min p x - p w + (y - 1)^2 over x >= 0, w <= 3: the optimum is x = 0, w = 3, y = 1 for every p > 0,
with the bound multipliers z_L(x) = p and z_U(w) = p (the gradient's p and -p).
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

from stackopt.backends.compiled_nlp import CompiledNLP
from stackopt.backends.strategies.polish import NEAR_SOLUTION_MU

OPTIONS = {"bound_relax_factor": 0.0}


def _model() -> pyo.ConcreteModel:
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, None), initialize=1.0)
    m.w = pyo.Var(bounds=(None, 3), initialize=0.0)
    m.y = pyo.Var(initialize=0.0)
    m.p = pyo.Var(bounds=(1, 1), initialize=1.0)
    m.obj = pyo.Objective(expr=m.p * m.x - m.p * m.w + (m.y - 1) ** 2)
    return m


def _set(m: pyo.ConcreteModel, p: float) -> None:
    m.p.setlb(p)
    m.p.setub(p)
    m.p.set_value(p)


def test_the_bound_multipliers_take_up_the_new_weight():
    m = _model()
    compiled = CompiledNLP(m, m.p)
    assert compiled.solve(OPTIONS, None).status == "optimal"
    col = {v.name: k for k, v in enumerate(compiled.vars)}
    _, zl, zu = compiled.duals
    assert zl[col["x"]] == pytest.approx(1.0) and zu[col["w"]] == pytest.approx(1.0)
    _set(m, 10.0)
    x0 = np.array([v.value for v in compiled.vars], dtype=float)
    zl, zu = compiled._shifted(x0, compiled.lb, compiled.ub)
    # the optimum's multipliers at p = 10, where the old ones were those at p = 1
    assert zl[col["x"]] == pytest.approx(10.0) and zu[col["w"]] == pytest.approx(10.0)
    assert zl[col["y"]] == zu[col["y"]] == 0.0


def test_the_next_weight_starts_at_its_solution():
    """As the penalty's next rho is solved: from the last point, with a small barrier."""
    m = _model()
    compiled = CompiledNLP(m, m.p)
    compiled.solve(OPTIONS, None)
    _set(m, 1e4)
    run = compiled.solve({**OPTIONS, "mu_init": NEAR_SOLUTION_MU}, None)
    assert run.status == "optimal"
    assert run.iterations <= 1
    col = {v.name: k for k, v in enumerate(compiled.vars)}
    assert compiled.duals[1][col["x"]] == pytest.approx(1e4)
    assert (m.x.value, m.w.value, m.y.value) == pytest.approx((0.0, 3.0, 1.0), abs=1e-8)
