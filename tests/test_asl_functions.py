"""The direct ASL calls return exactly what PyNumero's own AmplNLP evaluation returns."""

import subprocess
import sys

import numpy as np
import pyomo.environ as pyo
import pytest
from pyomo.contrib.pynumero.exceptions import PyNumeroEvaluationError
from pyomo.contrib.pynumero.interfaces.pyomo_nlp import PyomoNLP

import stackopt as so
from stackopt.asl_functions import ASLFunctions, jacobian_structure


def _nlp() -> PyomoNLP:
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(3), initialize=1.0)
    m.obj = pyo.Objective(expr=m.x[0] ** 2 * pyo.exp(m.x[1]))
    m.eq = pyo.Constraint(expr=m.x[0] * m.x[1] + 2.0 == 5.0)  # a right-hand side of 3
    m.ineq = pyo.Constraint(expr=pyo.sin(m.x[2]) + m.x[0] ** 3 + pyo.log(m.x[2]) <= 4.0)
    return PyomoNLP(m)


def test_every_function_matches_pynumero_at_two_points():
    nlp = _nlp()
    functions = ASLFunctions(nlp)
    for x in (np.array([0.5, -1.2, 2.0]), np.array([1.5, 0.3, 0.7])):  # the same buffer, moved
        functions.x[:] = x
        nlp.set_primals(x)
        np.testing.assert_array_equal(functions.constraints(), nlp.evaluate_constraints())
        np.testing.assert_array_equal(functions.jacobian(), nlp.evaluate_jacobian().data)
    assert functions.constraints()[0] == pytest.approx(1.5 * 0.3 - 3.0)


def test_the_jacobian_structure_is_pynumeros_pattern_read_without_evaluating():
    nlp = _nlp()
    nlp.set_primals(np.array([1.0, 1.0, -1.0]))  # log of a negative number: no evaluation here
    pattern = jacobian_structure(nlp)
    assert pattern.shape == (2, 3) and not pattern.data.any()
    nlp.set_primals(np.array([0.5, -1.2, 2.0]))
    jac = nlp.evaluate_jacobian()
    np.testing.assert_array_equal(pattern.row, jac.row)
    np.testing.assert_array_equal(pattern.col, jac.col)


def test_a_point_outside_the_domain_raises_pynumeros_evaluation_error():
    functions = ASLFunctions(_nlp())
    functions.x[:] = [1.0, 1.0, -1.0]  # log of a negative number
    with pytest.raises(PyNumeroEvaluationError, match="eval_g"):
        functions.constraints()


def test_a_derivative_error_at_a_new_point_is_returned_and_the_process_survives():
    # d(u^c)/du at u = 0: the ASL forms c u^c / u; asked for the Jacobian at a new x before g,
    # it used to evaluate g without its error return and exit the process (MacMPEC gnash13, x^1.83)
    script = """
import numpy as np, pyomo.environ as pyo
from pyomo.contrib.pynumero.exceptions import PyNumeroEvaluationError
from pyomo.contrib.pynumero.interfaces.pyomo_nlp import PyomoNLP
from stackopt.asl_functions import ASLFunctions
m = pyo.ConcreteModel()
m.x = pyo.Var(range(2), initialize=1.0)
m.obj = pyo.Objective(expr=m.x[1])
m.c = pyo.Constraint(expr=m.x[0] ** 1.83 + m.x[1] >= 0)
functions = ASLFunctions(PyomoNLP(m))
for point in ([0.0, 1.0], [0.0, 2.0], [2.0, 1.0]):
    functions.x[:] = point
    try:
        print(functions.jacobian().tolist())
    except PyNumeroEvaluationError as exc:
        print(exc)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[:2] == ["Error in AMPL evaluation (eval_jac_g)"] * 2
    assert np.allclose(eval(lines[2]), [1.83 * 2.0**0.83, 1.0])


def test_second_derivatives_where_the_asl_cannot_form_them_raise_and_the_process_survives():
    # so.classify needs the Hessian of the KKT system; at MacMPEC gnash13's x = 0 (x^1.83) the
    # ASL's Hessian routine, which has no error return, ended the process (exit status 1). x = 0 is
    # the bound of x: the derivatives are the one-sided ones there (asl_functions.inside). The
    # same term at a free Var's 0 has none: a ValueError, and the process survives
    script = """
import pyomo.environ as pyo
import stackopt as so
from stackopt.models.benchmarks import problems
(gnash13,) = [p for p in problems() if p.name == "gnash13"]
for x in (0.0, 10.0):
    point = {"x": x, **{f"F[{i}].y": 1.0 for i in range(1, 5)}}
    print(so.classify(gnash13.factory(), point).stable["simgd"])
g = so.StackelbergGame()
g.x = pyo.Var(initialize=0.0)
g.F = so.Follower()
g.F.y = pyo.Var(bounds=(0, 1))
g.F.o = pyo.Objective(expr=(g.F.y - g.x**1.83) ** 2)
g.o = pyo.Objective(expr=g.x**2 + g.F.y)
try:
    so.classify(g, {"x": 0.0, "F.y": 0.0})
except ValueError as exc:
    print(exc)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    at_bound, inside, free = out.stdout.splitlines()
    assert at_bound == inside == "True"
    assert free.startswith("the game's derivatives cannot be evaluated at the point (Error in AMPL")


def test_a_follower_whose_cost_has_y_to_the_1_5_and_whose_response_is_y_0_is_solved():
    # min_y y^1.5 + (x - 3) y over 0 <= y <= 10 answers y = 0 for x >= 3; the leader's
    # (x - 5)^2 + y is least, 0, at x = 5. The follower's stationarity 1.5 y^0.5 + x - 3 - lam has
    # no derivative at y = 0, where the high-point relaxation, the KKT oracle and the polishing
    # step put it: every method below ended "error" (the ASL cannot form pow''(0, 1.5)). Run in
    # a subprocess: a regression must not end the test session
    script = """
import pyomo.environ as pyo
import stackopt as so
g = so.StackelbergGame()
g.x = pyo.Var(bounds=(0, 10), initialize=1)
g.F = so.Follower()
g.F.y = pyo.Var(bounds=(0, 10), initialize=1)
g.F.o = pyo.Objective(expr=g.F.y**1.5 + (g.x - 3) * g.F.y)
g.o = pyo.Objective(expr=(g.x - 5) ** 2 + g.F.y)
for method, options in [
    ("mpec", {"strategy": "penalty"}),
    ("mpec", {"strategy": "scholtes"}),
    ("mpec", {"strategy": "nlp"}),
    ("mpec", {"strategy": "kanzow-schwartz"}),
    ("gradient", {}),
    ("slsqp", {}),
    ("stackelberg-br", {}),
]:
    res = so.solve(g, method=method, **options)
    print(res.status, res.leader["x"], res.leader_objective)
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    # the exact NLP ended the process (Ipopt's scaling differentiated at a start on the bound);
    # its iterates, and Scholtes' and Kanzow-Schwartz's, left the bounds by Ipopt's relaxation of
    # them, where y^1.5 is undefined, and ended "error": the solve is retried inside the bounds
    runs = [line.split() for line in out.stdout.splitlines()]
    assert [status for status, _, _ in runs] == ["locally_optimal"] * 7
    assert [float(x) for _, x, _ in runs] == pytest.approx([5.0] * 7, abs=1e-5)
    assert [float(value) for _, _, value in runs] == pytest.approx([0.0] * 7, abs=1e-7)


def _undefined_at_zero_game(follower_cost, leader, sense, x0: float):
    """The follower minimizes follower_cost(x, y) over 0 <= y <= 10; the leader's objective is
    leader(x, y) with ``sense``, x in [0, 5]; both start at x0."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 5), initialize=x0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 10), initialize=x0)
    g.F.o = pyo.Objective(expr=follower_cost(g.x, g.F.y))
    g.o = pyo.Objective(expr=leader(g.x, g.F.y), sense=sense)
    return g


def test_a_start_where_the_leaders_log_is_undefined_is_one_failed_start_of_the_gradient():
    # y = max(0, 1 - x); the leader maximizes log x + log y - 2x: x = 1 - 1/sqrt(2), value
    # -2.16031. The high-point relaxation's start has y = 0, where log y is undefined: the run
    # ended error from there (and a line-search trial on x = 0 ended it too)
    game = _undefined_at_zero_game(
        lambda x, y: 0.5 * y**2 - (1 - x) * y,
        lambda x, y: pyo.log(x) + pyo.log(y) - 2 * x,
        pyo.maximize,
        0.5,
    )
    res = so.solve(game, method="gradient")
    assert res.status == "locally_optimal"
    assert res.leader["x"] == pytest.approx(1 - 2**-0.5, abs=1e-5)
    assert res.leader_objective == pytest.approx(np.log(1 - 2**-0.5) + np.log(2**-0.5) - 2 + 2**0.5)


def test_an_ipopt_rescue_ending_where_the_followers_cost_is_undefined_is_a_failed_rescue():
    # y = sqrt(x) (min x / y + y); the leader's 2x + (y - 1)^2 is least, 2/3, at x = 1/9. The
    # second start's equilibrium search (Ipopt on the KKT system) ends at y = 0, where x / y is
    # undefined: the default ended error there, though its first start had the optimum
    game = _undefined_at_zero_game(
        lambda x, y: x / y + y, lambda x, y: 2 * x + (y - 1) ** 2, pyo.minimize, 1.0
    )
    res = so.solve(game, method="mpec", strategy="penalty")
    assert res.status == "locally_optimal"
    assert res.leader_objective == pytest.approx(2 / 3, abs=1e-6)


def test_the_certificate_takes_a_division_by_zero_in_a_followers_cost_as_no_best_response():
    # the same follower from x = y = 0 under scholtes: the certificate's best response evaluated
    # x / y at y = 0 and the run ended error with a bare ZeroDivisionError
    game = _undefined_at_zero_game(
        lambda x, y: x / y + y, lambda x, y: 4 * x + y, pyo.minimize, 0.0
    )
    res = so.solve(game, method="mpec", strategy="scholtes")
    assert res.status != "error" and "ZeroDivisionError" not in res.message


def test_a_leader_near_its_bound_where_the_objective_is_steep_is_not_called_stationary():
    # y = sqrt(x) (min x / y + y); the leader's 4x + 1000 y is least, 0, at x = 0, with slope
    # 4 + 500 / sqrt(x). trust-constr stops at x = 1.2e-7, value 0.347: within ACTIVE_TOL of the
    # bound, which counted as on it, so the certificate said locally_optimal there
    game = _undefined_at_zero_game(
        lambda x, y: x / y + y, lambda x, y: 4 * x + 1000 * y, pyo.minimize, 1.0
    )
    res = so.solve(game, method="trust-constr")
    assert res.leader_objective > 0.1 and res.status == "feasible"
    assert "moving the leader onto a bound" in res.message


def test_a_start_where_the_followers_cost_is_undefined_is_named_as_such_by_phase_1():
    """At x = 0 the follower's y log y - 2y has its only feasible point y = 0, where log is
    undefined: slsqp's note named the followers infeasible there. It now gives the cause, with
    what an evaluation error means for the model, and still reaches the optimum 1.75."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 4), initialize=0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, None), initialize=0)
    g.F.o = pyo.Objective(expr=g.F.y * pyo.log(g.F.y) - 2 * g.F.y)
    g.F.c = pyo.Constraint(expr=g.F.y <= g.x)
    g.o = pyo.Objective(expr=(g.x - 2) ** 2 + g.F.y)
    res = so.solve(g, method="slsqp", load_solution=False)
    assert res.message.startswith("no equilibrium (best response of F failed: ipopt: ")
    assert "edge of its domain" in res.message and "infeasible" not in res.message
    assert res.leader_objective == pytest.approx(1.75, abs=1e-6)
    # stackelberg-br has no phase 1: its start is an error status with the decision (the
    # evaluation error escaped the method), and a start inside the domain reaches the optimum
    res = so.solve(g, method="stackelberg-br")
    assert res.status == "error" and res.leader == {"x": 0.0} and "traceback" not in res.info
    assert res.message.startswith("step 1: no follower equilibrium")
    res = so.solve(g, method="stackelberg-br", start={"x": 1.0})
    assert res.leader_objective == pytest.approx(1.75, abs=1e-6)
