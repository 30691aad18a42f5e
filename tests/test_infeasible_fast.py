"""A game whose high-point relaxation is an empty LP is "infeasible" before any method runs (HiGHS
decides it: backends/infeasibility_proof.prove_before), with the proof's message and no point; a
relaxation that is no LP waits for the method; the kkt oracle's Ipopt rescue stops at
ipopt_kkt.MAX_ITER iterations where the followers have no point."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

import stackopt as so
import stackopt.backends.initial as initial
from stackopt.backends import infeasibility_proof
from stackopt.backends.oracles import ipopt_kkt
from stackopt.backends.oracles.ipopt_kkt import IpoptKKTOracle
from stackopt.backends.oracles.kkt import KKTOracle
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.models.benchmarks.registry import problems

JOINT = (
    "the leader's and followers' constraints have no common point: {} proves the high-point "
    "relaxation infeasible"
)
FOLLOWERS = (
    "the followers' constraints have no point at any leader decision within the leader's bounds: "
    "HiGHS proves them infeasible"
)
BY_NAME = {p.name: p for p in problems()}


def out_of_range() -> so.StackelbergGame:
    """The leader keeps 2 <= x <= 4, the follower needs 0 <= y <= x - 5: no common point, while
    the follower alone has one at every x >= 5."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, None), initialize=1.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, None), initialize=0.0)
    g.F.cost = pyo.Objective(expr=-g.F.y)
    g.F.room = pyo.Constraint(expr=g.F.y <= g.x - 5)
    g.low = pyo.Constraint(expr=g.x >= 2)
    g.high = pyo.Constraint(expr=g.x <= 4)
    g.o = pyo.Objective(expr=g.x - g.F.y)
    return g


def short_capacity() -> so.StackelbergGame:
    """Three Cournot firms must each supply at least 4 from a shared capacity of 10 (demand 12):
    no supply plan at any price. Ipopt's restoration phase under mpec took 26 s to give up."""
    g = so.StackelbergGame()
    g.p = pyo.Var(bounds=(0, 10), initialize=1.0)
    g.F = so.Follower(range(3))
    for f in g.F.values():
        f.q = pyo.Var(bounds=(0, None), initialize=1.0)
        f.profit = pyo.Objective(expr=(20 - g.p - f.q) * f.q, sense=pyo.maximize)
        f.least = pyo.Constraint(expr=f.q >= 4)
    g.cap = so.SharedConstraint(expr=sum(f.q for f in g.F.values()) <= 10)
    g.o = pyo.Objective(expr=g.p * sum(f.q for f in g.F.values()), sense=pyo.maximize)
    return g


def out_of_the_disk() -> so.StackelbergGame:
    """The follower keeps x^2 + y^2 <= 1, the leader needs y >= 2: a relaxation for SCIP. At the
    start x = 1/2 the follower's y = x misses y >= 2 by 1.5."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(-2, 2), initialize=0.5)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(-3, 3), initialize=0.5)
    g.F.cost = pyo.Objective(expr=(g.F.y - g.x) ** 2)
    g.F.disk = pyo.Constraint(expr=g.x**2 + g.F.y**2 <= 1)
    g.high = pyo.Constraint(expr=g.F.y >= 2)
    g.o = pyo.Objective(expr=g.x**2 + g.F.y)
    return g


@pytest.fixture
def runs(monkeypatch):
    """The leader decisions the method "initial" was run on."""
    ran = []
    original = initial.run

    def counted(game, **options):
        ran.append(game)
        return original(game, **options)

    monkeypatch.setattr(initial, "run", counted)
    return ran


@pytest.mark.parametrize(
    ("game", "message"), [(out_of_range, JOINT.format("HiGHS")), (short_capacity, FOLLOWERS)]
)
def test_an_empty_linear_relaxation_is_infeasible_before_the_method_runs(runs, game, message):
    g = game()
    res = so.solve(g, method="initial")
    assert not runs
    assert res.status == "infeasible" and res.method == "initial"
    assert res.message == res.info["infeasibility"] == message
    assert res.leader == {} and res.followers == {} and res.leader_objective is None
    assert res.violation is None and res.certificate is None
    assert g.component("dual") is None  # nothing loaded


@pytest.mark.parametrize("options", [{}, {"strategy": "scholtes"}])
def test_mpec_is_not_run_on_a_short_capacity(options):
    res = so.solve(short_capacity(), load_solution=False, **options)
    assert res.status == "infeasible" and res.message == FOLLOWERS
    assert "starts" not in res.info


def test_a_relaxation_for_scip_waits_for_the_method_and_keeps_its_words(runs):
    res = so.solve(out_of_the_disk(), method="initial", load_solution=False)
    assert len(runs) == 1
    assert res.status == "infeasible"
    assert res.message == JOINT.format("SCIP") + (
        " (the method ended infeasible: the leader's constraints are violated by 1.50e+00 > 0.001 "
        "at the recomputed equilibrium (the method claimed feasible))"
    )


def test_which_relaxations_are_decided_before_the_method():
    """An LP is decided (bard1's has a point), a nonlinear relaxation is not (the security game's
    expected reimbursement), nor one with an integer Var (a MILP)."""
    bard1 = infeasibility_proof.prove_before(BY_NAME["bard1"].build(), None)
    assert bard1 is not None and not bard1.proven
    assert (
        bard1.message == "not proven infeasible: HiGHS finds a point of the high-point relaxation"
    )
    security = so.models.security_game(budget=0.6, seed=3)
    assert infeasibility_proof.prove_before(security, None) is None
    assert infeasibility_proof.prove_before(out_of_the_disk(), None) is None
    integer = out_of_range()
    integer.x.domain = pyo.Integers
    assert infeasibility_proof.prove_before(integer, None) is None


def test_a_passed_time_limit_decides_nothing_before_the_method():
    proof = infeasibility_proof.prove_before(out_of_range(), 0.0)
    assert proof is not None and not proof.proven
    assert proof.message == "not proven infeasible: the time limit has passed"


def test_the_proof_before_the_method_is_not_made_again_after_it(monkeypatch):
    """q0 + q >= 80 holds from q0 = 62 on; the start q0 = 0 misses it by 31 and "initial" ends
    infeasible at its point; HiGHS found the relaxation's point once, before the method (by the
    LP from arrays; the full proof is for an empty one)."""
    calls = []

    def counted(name):
        original = getattr(infeasibility_proof, name)

        def call(game, time_limit):
            calls.append(name)
            return original(game, time_limit)

        monkeypatch.setattr(infeasibility_proof, name, call)

    counted("prove_infeasible")
    counted("_has_point")
    g = so.models.duopoly()
    g.enough = pyo.Constraint(expr=g.q0 + g.F.q >= 80)
    res = so.solve(g, method="initial", load_solution=False)
    assert res.status == "infeasible" and res.violation == pytest.approx(31.0)
    assert res.info["infeasibility"] == (
        "not proven infeasible: HiGHS finds a point of the high-point relaxation"
    )
    assert calls == ["_has_point"]


def test_ctrl_c_while_proving_before_the_method_is_interrupted(runs, monkeypatch):
    def pressed(game, time_limit):
        raise KeyboardInterrupt

    monkeypatch.setattr(infeasibility_proof, "prove_infeasible", pressed)
    res = so.solve(out_of_range(), method="initial")
    assert not runs
    assert res.status == "interrupted" and res.method == "initial" and res.leader == {}
    assert res.message == (
        "interrupted (Ctrl-C) while proving the game infeasible or not, before the method ran"
    )


def bard511_start() -> tuple[so.StackelbergGame, KKTEvaluator, np.ndarray, np.ndarray]:
    """PAO's bard511 at its start x = 0, where the follower needs y >= 3 - x and y <= 2 x."""
    g = BY_NAME["bard511"].build()
    ev = KKTEvaluator(g)
    z0, _ = ev.values_of({v.name: v.value for v in ev.kkt.primal} | dict.fromkeys(ev.leader_names))
    return g, ev, np.array([0.0]), z0


def test_the_ipopt_rescue_stops_at_its_iteration_cap_where_the_follower_has_no_point():
    g, ev, pi, z0 = bard511_start()
    rescue = IpoptKKTOracle(g, ev)
    eq = rescue(pi, z0)
    assert not eq.converged and eq.message.startswith("Maximum number of iterations exceeded")
    assert rescue._compiled().compiled.iterations == ipopt_kkt.MAX_ITER == 200


def test_the_kkt_oracle_reports_bard511s_start_without_an_equilibrium():
    g, ev, pi, z0 = bard511_start()
    eq = KKTOracle(g, ev)(pi, z0)
    assert not eq.converged and eq.oracle == "relaxation+kkt"
    assert eq.message.startswith("best response of L failed: ")
