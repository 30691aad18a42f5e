"""Big-M values derived from the model (backends/strategies/big_m_bounds.py) and the check that no
big-M bound holds the solution back."""

from __future__ import annotations

import logging

import numpy as np
import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.models.benchmarks import problems


def steep_follower() -> so.StackelbergGame:
    """max y + x/10, 0 <= x <= 10, y >= 0;  y solves  min -100 y  s.t.  y <= x,  0.001 y <= 0.003.

    y = min(x, 3): the optimum is x = 10, y = 3, value 4, where only the second constraint is
    active and its multiplier is 100 / 0.001 = 1e5 (stationarity -100 + lam1 + 0.001 lam2 = 0).
    A multiplier bound below 1e5 removes that point; x = 3 (value 3.3, lam1 = 100) remains."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 10), initialize=0.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(initialize=0.0)
    g.F.o = pyo.Objective(expr=-100 * g.F.y)
    g.F.c1 = pyo.Constraint(expr=g.F.y <= g.x)
    g.F.c2 = pyo.Constraint(expr=0.001 * g.F.y <= 0.003)
    g.floor = pyo.Constraint(expr=g.F.y >= 0)
    g.o = pyo.Objective(expr=g.F.y + g.x / 10, sense=pyo.maximize)
    return g


def test_derived_big_m_finds_the_optimum_a_small_m_cuts_off():
    small = so.solve(steep_follower(), method="mpec", strategy=so.BigM(1e4, 100))
    assert small.leader_objective == pytest.approx(3.3, abs=1e-6)  # the optimum is cut off
    res = so.solve(steep_follower(), method="mpec", strategy="bigm")
    assert res.status == "optimal" and res.leader_objective == pytest.approx(4.0, abs=1e-6)
    table = res.info["big_m"]
    # FBBT through the stationarity row: lam1 <= 100, lam2 <= 1e5; slacks x - y <= 10 and
    # 0.003 - 0.001 y <= 0.003; each widened by 1e-4 relative
    assert table["F.c1[upper]"]["dual"] == pytest.approx(100 * (1 + 1e-4))
    assert table["F.c2[upper]"]["dual"] == pytest.approx(1e5 * (1 + 1e-4))
    assert table["F.c1[upper]"]["primal"] == pytest.approx(10 * (1 + 1e-4))
    assert table["F.c2[upper]"]["primal"] == pytest.approx(0.003 + 1e-4)
    assert {row["dual_from"] for row in table.values()} <= {"fbbt", "lp"}
    assert res.info["big_m_active"] == []


def test_a_dict_of_m_values_naming_no_pair_is_refused():
    """A typo in a pair's name left that pair's M derived, without a word."""
    strategy = so.BigM(dual_big_M={"F.c1[uper]": 3.0, "F.c2[upper]": 2e5})
    with pytest.raises(
        so.OptionError,
        match=r"BigM dual_big_M: this game has no complementarity pair named 'F.c1\[uper\]'; "
        r"its pairs: F.c1\[upper\], F.c2\[upper\]",
    ):
        so.solve(steep_follower(), method="mpec", strategy=strategy)


def test_a_given_m_at_its_bound_is_a_warning_and_no_optimal(caplog):
    tight = so.BigM({"F.c1[upper]": 100.0, "F.c2[upper]": 1e4}, 100.0)
    with caplog.at_level(logging.WARNING, logger="stackopt.mpec"):
        res = so.solve(steep_follower(), method="mpec", strategy=tight)
    assert res.info["big_m_active"] == ["F.c1[upper][dual]"]  # lam1 = 100 at x = 3
    assert res.status != "optimal" and "big-M bound" in res.message
    assert res.info["big_m"]["F.c1[upper]"]["dual_from"] == "given"
    assert "big-M bound on F.c1[upper][dual]" in caplog.text


def _benchmark(name: str) -> so.StackelbergGame:
    (problem,) = [p for p in problems() if p.name == name]
    return problem.build()


def test_a_given_m_that_is_not_active_earns_locally_optimal_not_optimal():
    """PAO's bard511 (optimum -12 at x = y = 4) with M = 100 given for every pair: the MILP's
    optimum is global only within the box M imposes, and an M that is not active proves nothing
    (Pineda and Morales 2019); the derived M (valid bounds, none active) earns "optimal"."""
    res = so.solve(_benchmark("bard511"), method="mpec", strategy=so.BigM(100.0, 100.0))
    assert res.status == "locally_optimal"
    assert res.leader_objective == pytest.approx(-12.0, abs=1e-6)
    assert res.info["big_m_active"] == [] and res.info["polish"]["accepted"]
    bound = res.certificate.global_bound
    assert not bound.proven and "global only within" in bound.caveat
    assert "global only within" in res.message
    derived = so.solve(_benchmark("bard511"), method="mpec", strategy="bigm")
    assert derived.status == "optimal" and derived.certificate.global_bound.proven


def test_pinedas_too_small_m_is_a_warning_naming_it_and_the_branch_nlp_recovers_the_optimum():
    """Pineda and Morales (2019)'s example (PAO's pineda): max x + y, 0 <= x <= 2, y solves
    min y s.t. y >= 100 x - 100, y >= 0; optimum 102 at x = 2, y = 100. M^p = 50 on the slack y of
    y >= 0 caps y at 50: the MILP's optimum is 51.5 at x = 1.5, at that bound. The tightened NLP
    of the MILP's branch (y = 100 x - 100, no M) reaches x = 2; the status stays below optimal."""
    res = so.solve(_benchmark("pineda"), method="mpec", strategy=so.BigM(10.0, 50.0))
    assert res.history[0]["objective"] == pytest.approx(51.5, abs=1e-6)
    assert res.info["big_m_active"] == ["L.y[lb][primal]"]
    assert any("big-M bound on L.y[lb][primal]" in w for w in res.warnings)
    assert res.status == "locally_optimal" and not res.certificate.global_bound.proven
    assert res.leader_objective == pytest.approx(102.0, abs=1e-6)
    assert res.leader["x"] == pytest.approx(2.0, abs=1e-8)


def test_scips_point_under_a_given_m_is_polished_to_the_biactive_optimum():
    """MacMPEC's ex9.2.6 (quadratic: SCIP) with M = 1000 given: the optimum -1 is at x = y = 0.5
    with both pairs y_i >= 0.5 biactive. SCIP's point sits about 2e-5 away (its feasibility
    tolerance), where the leader's objective still decreases; the tightened NLP of its branch
    lands on x = 0.5, S-stationary."""
    res = so.solve(_benchmark("ex9.2.6"), method="mpec", strategy=so.BigM(1e3, 1e3))
    assert res.info["solver"] == "scip"
    assert res.status == "locally_optimal"
    assert res.leader_objective == pytest.approx(-1.0, abs=1e-9)
    assert res.leader == pytest.approx({"x1": 0.5, "x2": 0.5}, abs=1e-7)
    assert res.certificate.stationarity.kind == "S"


def test_derivation_leaves_the_model_bounds_alone():
    from stackopt.backends.mpec_problem import MPECProblem
    from stackopt.backends.strategies import big_m_bounds

    problem = MPECProblem(steep_follower())
    before = [(v.name, v.lb, v.ub) for v in problem.model.component_data_objects(pyo.Var)]
    big_m_bounds.derive(problem, [(True, True)] * len(problem.pairs))
    after = [(v.name, v.lb, v.ub) for v in problem.model.component_data_objects(pyo.Var)]
    assert before == after


def test_vertex_bound_on_pao_bard511_is_its_closed_form():
    """PAO's bard511: the follower min y has stationarity 1 - lam1 + lam2 + lam3 - 2 lam4 - lam5
    = 0 (its four constraints, then y >= 0); a vertex of that set has one nonzero multiplier,
    -1 / (its coefficient) where that is positive: lam1, lam5 <= 1, lam4 <= 1/2, lam2 = lam3 = 0.
    (The LP over the KKT polyhedron is unbounded in lam1 + lam2.)"""
    (bard511,) = [p for p in problems() if p.name == "bard511"]
    res = so.solve(bard511.build(), method="mpec", strategy="bigm")
    assert res.status == "optimal" and res.leader_objective == pytest.approx(-12.0, abs=1e-9)
    table = res.info["big_m"]
    expected = {"c1[upper]": 1.0, "c2[upper]": 0.0, "c3[upper]": 0.0, "c4[upper]": 0.5}
    expected["y[lb]"] = 1.0
    for name, value in expected.items():
        row = table[f"L.{name}"]
        assert row["dual"] == pytest.approx(value + 1e-4 * max(1.0, value))
        assert row["dual_from"] == "vertex"


#: the collection's problems for which every pair gets a derived bound (the others have an
#: unbounded follower set or multiplier set, or constraint coefficients that depend on the leader)
DERIVED = {
    "bard1", "bard2", "bilevel1", "bilin", "ex9.1.1", "ex9.1.3", "ex9.1.4", "ex9.1.5", "ex9.1.6",
    "ex9.1.8", "ex9.1.9", "ex9.2.2", "ex9.2.3", "ex9.2.5", "ex9.2.8", "bard511", "gecco2013",
    "pao1", "pao2",
}  # fmt: skip


@pytest.mark.parametrize("problem", problems(exclude=["integer_follower"]), ids=lambda p: p.name)
def test_derived_big_m_is_the_known_optimum_or_a_named_error(problem):
    """Every problem of the collection with a continuous follower (MacMPEC's and PAO's): bigm
    without M reaches the known optimum where every bound is derived (``DERIVED``) and refuses
    before solving otherwise, naming the pair without a bound; never a wrong answer."""
    try:
        res = so.solve(problem.build(), method="mpec", strategy="bigm", time_limit=20)
    except so.ModelError as exc:
        assert problem.name not in DERIVED, str(exc)
        assert "bigm found no" in str(exc) and "[" in str(exc)
        return
    assert problem.name in DERIVED
    assert problem.solved(res.leader_objective), (res.status, res.leader_objective)
    assert res.status == "optimal" and res.info["big_m_active"] == []


class _Clock:
    """A clock that advances one second per reading: the derivation's deadline checks counted."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        self.now += 1.0
        return self.now


def test_the_derivation_checks_the_deadline_between_its_steps(monkeypatch):
    """PAO's bard511 (FBBT, the vertex bound and the LPs all run): with a clock that ticks once per
    reading, a deadline after the n-th check stops the derivation there with OutOfTime, for every
    n, leaving the model's bounds as they were; a deadline after the last check changes nothing."""
    from stackopt.backends.mpec_problem import MPECProblem
    from stackopt.backends.strategies import big_m_bounds
    from stackopt.backends.strategies.base import OutOfTime

    problem = MPECProblem(_benchmark("bard511"))
    which = [(True, True)] * len(problem.pairs)
    unlimited = big_m_bounds.derive(problem, which)
    clock = _Clock()
    monkeypatch.setattr(big_m_bounds, "time", clock)
    assert big_m_bounds.derive(problem, which, deadline=1e9) == unlimited
    readings = int(clock.now)
    assert readings > 10  # FBBT's constraints, the vertex bound's column sets, the LPs
    bounds = [(v.name, v.lb, v.ub) for v in problem.model.component_data_objects(pyo.Var)]
    for n in range(readings):
        clock.now = 0.0
        with pytest.raises(OutOfTime, match="deriving the big-M values"):
            big_m_bounds.derive(problem, which, deadline=n + 0.5)
        assert [(v.name, v.lb, v.ub) for v in problem.model.component_data_objects(pyo.Var)] == (
            bounds
        )


def test_a_time_limit_shorter_than_the_derivation_ends_as_time_limit_without_a_point():
    """The security game (3 defenders, 30 targets): a time limit that passes during the
    derivation of the slack bounds ends the solve as time_limit with no point, before any MILP."""
    game = so.models.security_game(3, 30, budget=0.6, seed=3, patrol=15, resources=3.0)
    res = so.solve(game, method="mpec", strategy=so.BigM(dual_big_M=1e3), time_limit=1e-3)
    assert res.status == "time_limit" and "deriving the big-M values" in res.message
    assert res.leader_objective is None and res.history == []


def test_constraints_fbbt_proves_infeasible_get_vacuous_bounds_and_an_infeasible_status():
    """x, y in [0, 1] and the leader's x + y >= 5: FBBT proves the MPEC's constraints infeasible,
    where bigm asked for an M ("no upper bound on the slack"); every bound holds on the empty
    set, and HiGHS reports the infeasibility. (The runner itself: so.solve decides this game's
    empty linear high-point relaxation before any method runs.)"""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 1), initialize=0.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 1), initialize=0.0)
    g.F.o = pyo.Objective(expr=g.F.y)
    g.F.c = pyo.Constraint(expr=g.F.y >= g.x)
    g.c = pyo.Constraint(expr=g.x + g.F.y >= 5)
    g.o = pyo.Objective(expr=g.x + g.F.y)
    from stackopt.backends.mpec import run
    from stackopt.backends.strategies.big_m_bounds import EMPTY

    res = run(g, strategy="bigm", solver="highs")
    assert res.status == "infeasible"
    sources = {
        row[side] for row in res.info["big_m"].values() for side in ("dual_from", "primal_from")
    }
    assert sources == {EMPTY}


def test_a_derived_m_that_solvers_take_as_infinite_is_a_named_error_and_sos1_solves_the_game():
    """The follower min exp(y) - x y over 0 <= y <= 100 answers y = log x; the multiplier bound of
    y >= 0 is exp(100) - ... ~ 2.7e43, past SCIP's infinity 1e20 ("SCIP: error in input data!").
    bigm now names the pair and the way out; sos1 needs no M and reaches the optimum of
    (x - 5)^2 + (log x - 1)^2, found here by scipy on that closed form."""
    from scipy.optimize import minimize_scalar

    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 10), initialize=1)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 100), initialize=1)
    g.F.o = pyo.Objective(expr=pyo.exp(g.F.y) - g.x * g.F.y)
    g.o = pyo.Objective(expr=(g.x - 5) ** 2 + (g.F.y - 1) ** 2)
    with pytest.raises(so.ModelError, match=r"multiplier of F\.y\[lb\] is 2\.69e\+43 .*sos1"):
        so.solve(g, method="mpec", strategy="bigm")
    closed = minimize_scalar(
        lambda x: (x - 5) ** 2 + (np.log(x) - 1) ** 2, bounds=(1, 10), method="bounded",
        options={"xatol": 1e-10},
    )  # fmt: skip
    res = so.solve(g, method="mpec", strategy="sos1")
    assert res.status == "optimal" and res.leader_objective == pytest.approx(closed.fun, abs=1e-7)
