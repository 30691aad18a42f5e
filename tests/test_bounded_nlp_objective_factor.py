"""A compiled NLP solved again is solved with its own objective Hessian: cyipopt's problem takes
the NLP's objective factor for 1, so a factor left by the last solve (Ipopt's objective scaling)
would weight the next solve's Hessian (backends/bounded_nlp.py)."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.pynumero.interfaces.cyipopt_interface import CyIpoptNLP
from pyomo.contrib.pynumero.interfaces.pyomo_nlp import PyomoNLP

from stackopt.backends.bounded_nlp import BoundedNLP
from stackopt.backends.compiled_nlp import CompiledNLP


def _model() -> pyo.ConcreteModel:
    """min 3 x^2 + x y + 2 y^2 s.t. x + y >= 1: Hessian [[6, 1], [1, 4]], no constraint curvature."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(-5, 5), initialize=1.0)
    m.y = pyo.Var(bounds=(-5, 5), initialize=1.0)
    m.c = pyo.Constraint(expr=m.x + m.y >= 1)
    m.o = pyo.Objective(expr=3 * m.x**2 + m.x * m.y + 2 * m.y**2)
    return m


def test_a_reused_nlp_is_solved_with_the_objective_factor_one():
    nlp = PyomoNLP(_model())
    nlp.set_obj_factor(1 / 15)  # what a scaled solve leaves behind
    x0 = np.array([1.0, 1.0])
    bounded = BoundedNLP(nlp, nlp.primals_lb(), nlp.primals_ub(), x0)
    problem = CyIpoptNLP(bounded)
    values = problem.hessian(x0, np.zeros(1), 1.0)
    rows, cols = problem.hessianstructure()
    hessian = np.zeros((2, 2))
    hessian[rows, cols] = values
    hessian = np.tril(hessian) + np.tril(hessian, -1).T
    assert np.allclose(hessian, [[6.0, 1.0], [1.0, 4.0]])


def test_a_compiled_nlp_solves_the_same_after_a_scaled_solve():
    """The second solve starts at the first's solution with the weight left by a factor 1/15: the
    same point, found in the same number of iterations as from a fresh compile."""
    fresh = CompiledNLP(_model())
    fresh_run = fresh.solve({"tol": 1e-10}, None)
    reused = CompiledNLP(_model())
    reused.nlp.set_obj_factor(1 / 15)
    reused_run = reused.solve({"tol": 1e-10}, None)
    assert fresh_run.status == reused_run.status == "optimal"
    assert reused_run.iterations == fresh_run.iterations
    point = np.array([v.value for v in reused.vars])
    assert np.allclose(point, [3 / 8, 5 / 8], atol=1e-8)  # 6x + y = x + 4y, x + y = 1
