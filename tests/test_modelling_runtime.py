"""Ordinary Pyomo modelling at run time: immutable indexed Params, Vars no function uses, constraints
constant after fixing, pinned bounds. Values against closed forms."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.game_fingerprint import fingerprint


def linear_game() -> so.StackelbergGame:
    """min_x y - c[1] x, x in [0, 10], y in argmax{y : y <= x, y in [0, 10]}, c[1] = 2 an immutable
    indexed Param: y = x, so the leader minimises -x: x = 10, objective -10."""
    g = so.StackelbergGame()
    g.c = pyo.Param([1], initialize={1: 2.0})
    g.x = pyo.Var(bounds=(0, 10))
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 10))
    g.F.o = pyo.Objective(expr=-g.F.y)
    g.F.cap = pyo.Constraint(expr=g.F.y <= g.x)
    g.L = pyo.Objective(expr=g.F.y - g.c[1] * g.x)
    return g


def test_the_fingerprint_reads_immutable_indexed_params_and_follows_mutable_ones():
    g = linear_game()
    assert fingerprint(g) == fingerprint(linear_game())
    g.p = pyo.Param([1, 2], mutable=True, initialize={1: 1.0}, default=5.0)
    before = fingerprint(g)
    g.p[2] = 6.0
    assert fingerprint(g) != before


@pytest.mark.parametrize(
    "how",
    [
        dict(method="mpec", strategy="sos1"),
        dict(method="mpec", strategy="bigm"),
        dict(method="value-function", certify=False),
    ],
)
def test_a_proven_bound_on_a_game_with_an_immutable_indexed_param(how):
    g = linear_game()
    result = so.solve(g, **how)
    assert result.leader_objective == pytest.approx(-10, abs=1e-6)
    assert result.leader["x"] == pytest.approx(10, abs=1e-6)
    assert so.certify(g, result).status == "optimal"


def idle_game(start: float | None) -> so.StackelbergGame:
    """linear_game with u[1] in [2, 3] added to the leader's cost (u[1] = 2: objective -8), and
    two Vars no function uses: u[2] in [2, 3] and the follower's F.idle in [-1, 1] (counted as a
    leader decision). With no start they rest at 0 moved into their bounds, 2 and 0."""
    g = linear_game()
    g.u = pyo.Var([1, 2], bounds=(2, 3), initialize=start)
    g.F.idle = pyo.Var(bounds=(-1, 1), initialize=None if start is None else start - 2)
    g.L.expr = g.L.expr + g.u[1]
    return g


@pytest.mark.parametrize("strategy", ["sos1", "bigm"])  # SCIP, HiGHS
@pytest.mark.parametrize("start", [None, 2.5])
def test_exact_strategies_report_vars_no_function_uses(strategy, start):
    result = so.solve(idle_game(start), method="mpec", strategy=strategy)
    assert result.status == "optimal"
    assert result.info["solver"] == ("scip" if strategy == "sos1" else "highs")
    assert result.leader_objective == pytest.approx(-8, abs=1e-6)
    assert result.leader["u"][1] == pytest.approx(2, abs=1e-6)
    rest = (2.0, 0.0) if start is None else (2.5, 0.5)
    assert (result.leader["u"][2], result.leader["F.idle"]) == pytest.approx(rest, abs=1e-9)


def test_a_polished_point_judged_without_objective_falls_back_to_the_solvers_own(monkeypatch):
    """Where the polished point's Result has no objective, the global solver's own point is
    judged, and the message says how the polished one was rated."""
    from stackopt.backends import mpec

    calls = []

    def first_unjudged(*args, **kwargs):
        calls.append(kwargs["values"])
        if len(calls) == 1:
            return so.Result(status="error", message="no equilibrium")
        return mpec_honest(*args, **kwargs)

    mpec_honest = mpec.honest_result
    monkeypatch.setattr(mpec, "honest_result", first_unjudged)
    result = so.solve(idle_game(None), method="mpec", strategy="sos1")
    assert len(calls) == 2
    assert result.status == "optimal"
    assert result.leader_objective == pytest.approx(-8, abs=1e-6)
    assert "its polished point was rated error)" in result.message


def late_follower() -> so.StackelbergGame:
    """min_x x + (y - 3)^2, x in [0, 5], y in argmin{(y - 3)^2 : p y <= x - 1, y in [0, 10]} with
    the mutable p = 0: the follower is feasible only for x >= 1, where y = 3; the optimum is x = 1,
    objective 1. The start x = 0 has no equilibrium."""
    g = so.StackelbergGame()
    g.p = pyo.Param(initialize=0.0, mutable=True)
    g.x = pyo.Var(bounds=(0, 5))
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 10))
    g.F.o = pyo.Objective(expr=(g.F.y - 3) ** 2)
    g.F.c = pyo.Constraint(expr=g.p * g.F.y <= g.x - 1)
    g.L = pyo.Objective(expr=g.x + (g.F.y - 3) ** 2)
    return g


@pytest.mark.parametrize("method", ["slsqp", "trust-constr"])
def test_a_black_box_stopped_by_a_missing_equilibrium_reports_its_objective(method):
    result = so.solve(late_follower(), method=method)
    assert result.success
    assert result.leader["x"] == pytest.approx(1, abs=1e-6)
    assert result.leader_objective == pytest.approx(1, abs=1e-6)
    assert result.reported_objective == pytest.approx(1, abs=1e-6)


def pinned_game(pin_x: bool) -> so.StackelbergGame:
    """min (x - 2 p)^2 + y, y = x, p pinned at 1 by its bounds, x + p <= 9: x = 1.5, objective
    1.75; with x pinned at 1.5 as well, the same point is the only decision."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(1.5, 1.5) if pin_x else (0, 10))
    g.p = pyo.Var(bounds=(1, 1))
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 10))
    g.F.o = pyo.Objective(expr=(g.F.y - g.x) ** 2)
    g.L = pyo.Objective(expr=(g.x - 2 * g.p) ** 2 + g.F.y)
    g.c = pyo.Constraint(expr=g.x + g.p <= 9)
    return g


@pytest.mark.parametrize("method", ["slsqp", "trust-constr"])
@pytest.mark.parametrize("pin_x", [False, True])
def test_a_black_box_holds_vars_pinned_by_their_bounds(method, pin_x, capsys):
    result = so.solve(pinned_game(pin_x), method=method)
    assert capsys.readouterr().out == ""
    assert result.status == "locally_optimal"
    assert result.leader["p"] == 1.0
    assert result.leader["x"] == pytest.approx(1.5, abs=1e-6)
    assert result.leader_objective == pytest.approx(1.75, abs=1e-9)


def boxed_out(row: str) -> so.StackelbergGame:
    """A leader row that no point of the box x in [0, 1]^2 meets: x1 - x1 <= -1 (0 <= -1) or
    x1 + x2 >= 5 (at most 2): the game has no feasible point."""
    g = so.StackelbergGame()
    g.x = pyo.Var([1, 2], bounds=(0, 1))
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 10))
    g.F.o = pyo.Objective(expr=(g.F.y - g.x[1]) ** 2)
    rows = {"zero": g.x[1] - g.x[1] <= -1, "sum": g.x[1] + g.x[2] >= 5}
    g.c = pyo.Constraint(expr=rows[row])
    g.L = pyo.Objective(expr=(g.x[1] - 1) ** 2 + g.F.y)
    return g


@pytest.mark.parametrize("row", ["zero", "sum"])
@pytest.mark.parametrize("method", ["gradient", "slsqp"])
def test_a_projected_leader_row_outside_the_box_is_an_infeasible_game(row, method):
    """The method's projection names the row; so.solve decides the game before the method runs
    (its high-point relaxation is an empty LP)."""
    from stackopt.solve import _runner

    with pytest.raises(RuntimeError, match="constraint c holds at no point within its Vars' bo"):
        _runner(method)(boxed_out(row))
    result = so.solve(boxed_out(row), method=method)
    assert result.status == "infeasible"
    assert "HiGHS proves the high-point relaxation infeasible" in result.message


def test_the_projection_names_a_row_constant_and_violated_after_fixing():
    """w fixed at 3 makes w <= 2 the constant row 3 <= 2, whatever reads the constraint."""
    from stackopt.backends.projection import LinearSetProjection

    g = pyo.ConcreteModel()
    g.x = pyo.Var(bounds=(0, 5))
    g.w = pyo.Var(bounds=(0, 5))
    g.w.fix(3)
    g.c = pyo.Constraint(expr=g.w <= 2)
    with pytest.raises(RuntimeError, match=r"constraint c .* lies in \[3, 3\] .* \[-inf, 2\]"):
        LinearSetProjection([g.x], [g.c])
