"""The starts of method="mpec" (backends/mpec_starts.py): the model's, the high-point relaxation's,
random ones; the default's rule, the best certified Result kept, one compiled NLP for all starts."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.backends.lifted_expressions import LIFTED_BLOCK
from stackopt.backends.mpec_problem import MPECProblem
from stackopt.models.benchmarks import problems

BY_NAME = {p.name: p for p in problems()}


def test_default_reaches_getachew_ex1_optimum_from_the_relaxations_start():
    """PAO's getachew_ex1: the leader's feasible decisions are x <= 3 and x in [8, 10]; from the
    model's x = 0 the penalty stops at x = 3 (-15), and the default's second start, the high-point
    relaxation's point (x = 6), leads it to the optimum x = 8 (-20)."""
    game = BY_NAME["getachew_ex1"].build
    one = so.solve(game(), method="mpec", strategy="penalty", multistart=1)
    assert one.status == "locally_optimal"
    assert one.leader_objective == pytest.approx(-15, abs=1e-5)
    res = so.solve(game(), method="mpec", strategy="penalty")
    assert res.status == "locally_optimal"
    assert res.leader_objective == pytest.approx(-20, abs=1e-5)
    assert res.leader["x"] == pytest.approx(8, abs=1e-5)
    assert [s["kind"] for s in res.info["starts"]] == ["the start", "the high-point relaxation"]
    assert {row["start"] for row in res.history} == {0, 1}


def test_default_adds_random_starts_only_when_no_start_is_certified():
    """No equilibrium of the duopoly meets (q0 + q1)^2 >= 250^2: neither the model's start nor the
    relaxation's succeeds, and the default runs two random starts more (four in all), still
    infeasible. bard1's first start is certified: two starts, no random one. PAO's pineda has no
    relaxation point (Ipopt finds none): its second start is random, and since no start is
    certified two random ones more; each stops at x = 1 (value 1, a degenerate vertex of the
    follower's LP, where the certificate finds an ascent branch towards the optimum 102): the
    status stays feasible."""
    from .games import infeasible_quadratic_duopoly

    res = so.solve(infeasible_quadratic_duopoly(), method="mpec", strategy="scholtes")
    assert res.status == "infeasible"
    assert len(res.info["starts"]) == 4 and res.info["starts"][-1]["kind"] == "random"
    bard1 = so.solve(BY_NAME["bard1"].build(), method="mpec", strategy="penalty")
    assert [s["kind"] for s in bard1.info["starts"]] == ["the start", "the high-point relaxation"]
    pineda = so.solve(BY_NAME["pineda"].build(), method="mpec", strategy="penalty")
    assert [s["kind"] for s in pineda.info["starts"]] == ["the start"] + ["random"] * 3
    assert pineda.status == "feasible"
    assert pineda.leader_objective == pytest.approx(1, abs=1e-6)


def test_starts_share_one_compiled_nlp(monkeypatch):
    """Every start solves the same compiled NLP and tightened NLP: as many compilations with
    five starts as with two (the penalized MPEC, which is its tightened NLP at rho = 0 too, and
    the high-point relaxation)."""
    from stackopt.backends import compiled_nlp

    built = []
    original = compiled_nlp.CompiledNLP.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(compiled_nlp.CompiledNLP, "__init__", counting)
    two = so.solve(BY_NAME["bard511"].build(), method="mpec", strategy="penalty", multistart=2)
    assert len(built) == 2
    res = so.solve(BY_NAME["bard511"].build(), method="mpec", strategy="penalty", multistart=5)
    assert len(res.info["starts"]) == 5 and {row["start"] for row in res.history} == set(range(5))
    assert len(built) == 4
    assert two.leader_objective == res.leader_objective == pytest.approx(-12, abs=1e-6)


def test_penalty_is_bounded_below_from_the_relaxations_start():
    """MacMPEC ex9.1.6 (optimum -49): from the model's start the penalty stops at the local
    solution -15; from the high-point relaxation's, Ipopt converges to -49 at every rho. Each
    penalty term lam_j s_j has lam_j and s_j as Vars that Ipopt keeps positive (bounds not
    relaxed): with s_j >= 0 as a row, or relaxed bounds, the penalized NLP is unbounded below
    there (lam_j grows without end at s_j slightly below 0) and Ipopt runs into the start's cap."""
    res = so.solve(BY_NAME["ex9.1.6"].build(), method="mpec", strategy="penalty")
    assert res.status == "locally_optimal"
    assert res.leader_objective == pytest.approx(-49, abs=1e-5)
    relaxed = [row for row in res.history if row["start"] == 1]
    assert relaxed and all(row["status"] == "optimal" for row in relaxed)
    assert sum(row["iterations"] for row in relaxed) < 200


def test_a_later_start_cut_by_the_defaults_cap_says_so(monkeypatch):
    """A later start of the default spends at most three times the first start's Ipopt
    iterations (here with the floor of 500 lowered to 2): one that runs into that cap ends
    iteration_limit, its entry in info["starts"] says it was the default's cap, not a user's
    limit, and the cap is a count: the same run gives the same iterations."""
    from stackopt.backends import mpec_starts

    monkeypatch.setattr(mpec_starts, "AUTO_START_ITERATIONS", 0.0)
    monkeypatch.setattr(mpec_starts, "AUTO_START_MIN_ITERATIONS", 2)
    runs = [
        so.solve(BY_NAME["bard1"].build(), method="mpec", strategy="scholtes") for _ in range(2)
    ]
    res = runs[0]
    assert res.status == "locally_optimal" and res.leader_objective == pytest.approx(17, abs=1e-6)
    first, second = res.info["starts"]
    assert first["status"] == "optimal" and "cap" not in first["message"]
    assert second["status"] == "iteration_limit"
    assert "the default's cap on a later start" in second["message"]
    assert sum(row["iterations"] for row in res.history if row["start"] == 1) == 2
    assert res.info["time_limit"] is None
    assert [row["iterations"] for row in runs[1].history] == [
        row["iterations"] for row in res.history
    ]


def test_no_later_start_is_solved_once_the_relaxation_has_used_up_the_time(monkeypatch):
    """The high-point relaxation gets the time left; when it returns past the deadline, no solve
    starts from its point, and start 0's Result is returned alone."""
    import time

    from stackopt.backends import mpec_starts

    def slow_relaxation(structure, time_limit):
        time.sleep(time_limit + 0.05)
        return {"x": 5.0, "F.y": 5.0}

    monkeypatch.setattr(mpec_starts, "high_point", slow_relaxation)
    res = so.solve(BY_NAME["bard1"].build(), method="mpec", strategy="penalty", time_limit=1.0)
    assert res.status == "locally_optimal" and "starts" not in res.info
    assert [row["start"] for row in res.history] == [0] * len(res.history)


@pytest.mark.parametrize("method", ["mpec", "gradient", "slsqp"])
def test_a_start_outside_the_bounds_is_warned_of_at_the_callers_line(method):
    """The duopoly's q0 lies in [0, 100]: start q0 = 120 runs from the bound, with a warning that
    names the caller's file; a start 1e-9 outside (a solver's rounding) passes silently."""
    import warnings

    with pytest.warns(
        UserWarning, match=r"start gives q0 = 120, outside its bounds \[0, 100\]"
    ) as seen:
        res = so.solve(so.models.duopoly(), method=method, start={"q0": 120.0})
    assert seen[0].filename == __file__
    assert res.leader["q0"] == pytest.approx(46, abs=1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        so.solve(so.models.duopoly(), method=method, start={"q0": 100.0 + 1e-9})


def test_default_without_certificate_adds_random_starts_only_after_failures():
    """Under certify=False no status goes above feasible; the default then counts a success as
    the certificate's "holds": bard1 runs its two starts and no random one (it ran four, each a
    full solve, whenever the certificate was off), and the infeasible duopoly still four."""
    from .games import infeasible_quadratic_duopoly

    bard1 = so.solve(BY_NAME["bard1"].build(), method="mpec", strategy="penalty", certify=False)
    assert bard1.status == "feasible"
    assert bard1.leader_objective == pytest.approx(BY_NAME["bard1"].optimum, abs=1e-5)
    assert [s["kind"] for s in bard1.info["starts"]] == ["the start", "the high-point relaxation"]
    res = so.solve(
        infeasible_quadratic_duopoly(), method="mpec", strategy="scholtes", certify=False
    )
    assert res.status == "infeasible" and len(res.info["starts"]) == 4


def test_the_relaxations_start_has_the_followers_at_their_equilibrium():
    """Start 1 is the high-point relaxation's leader decision with the followers' equilibrium
    there and its multipliers (KKT residual 0): a complementary point of the MPEC. The
    relaxation's own follower point is none (PAO's getachew_ex1: y = 8 at x = 6, where the
    follower answers y = 12)."""
    import numpy as np

    from stackopt.backends.high_point import high_point
    from stackopt.backends.mpec_starts import StartPlan
    from stackopt.kkt_evaluator import KKTEvaluator
    from stackopt.structure import analyze

    game = BY_NAME["getachew_ex1"].build()
    evaluator = KKTEvaluator(game)
    start = StartPlan(game, None, {}, np.random.default_rng(0), evaluator).relaxed(None)
    relaxation = high_point(analyze(game))
    leader = evaluator.leader_names
    assert [start[n] for n in leader] == pytest.approx([relaxation[n] for n in leader])
    z, pi = evaluator.values_of(start)
    assert evaluator.evaluate(z, pi, derivatives=False).norm <= 1e-8
    assert (relaxation["L.y"], start["L.y"]) == pytest.approx((8.0, 12.0), abs=1e-6)


def test_a_new_start_satisfies_the_lifted_expressions_definitions():
    """The security game's named Expressions are Vars of the MPEC (lifted_expressions): a new
    start sets them to their expressions at the start's values, not to the last solution's."""
    problem = MPECProblem(so.models.security_game(defenders=2, targets=6, patrol=4, resources=2))
    rows = [row.expr.args for row in problem.model.component(LIFTED_BLOCK).definition.values()]
    rng = np.random.default_rng(0)
    for v in problem.structure.leader_vars + problem.structure.follower_vars:
        v.set_value(float(rng.uniform(0, 1)))
    assert max(abs(pyo.value(y) - pyo.value(e)) for y, e in rows) > 1e-3
    problem.evaluate_defined()
    assert max(abs(pyo.value(y) - pyo.value(e)) for y, e in rows) < 1e-12
