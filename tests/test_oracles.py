"""Equilibrium oracles: relaxation (damped best responses), projected gradient play as a sampling
oracle, and the sampled gradient through randomly selected equilibria (Wang et al. 2022, Thm. 2)."""

import numpy as np
import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.backends.oracles import dynamics
from stackopt.backends.oracles.best_response import BestResponseNLP
from stackopt.backends.oracles.dynamics import DynamicsOracle
from stackopt.backends.oracles.ipopt_kkt import IpoptKKTOracle
from stackopt.backends.oracles.kkt import KKTOracle
from stackopt.backends.oracles.multipliers import with_multipliers
from stackopt.backends.oracles.newton import NewtonOracle
from stackopt.backends.oracles.relaxation import RelaxationOracle
from stackopt.backends.sensitivity import Sensitivity
from stackopt.kkt_evaluator import KKTEvaluator
from stackopt.models import cournot, duopoly, three_equilibria
from stackopt.structure import analyze
from tests.games import root_follower


def test_relaxation_oracle_finds_the_cournot_nash_equilibrium_with_ipopt():
    game = cournot(n=3)
    ev = KKTEvaluator(game)
    eq = RelaxationOracle(game, ev)(np.array([30.0]), np.zeros(ev.n_z))
    assert eq.converged and eq.oracle == "relaxation"
    assert eq.z[:3] == pytest.approx([15.0] * 3, abs=1e-7)  # (90 - 30) / 4


def test_a_compiled_best_response_is_reused_with_new_data_each_round():
    game = cournot(n=3)  # F[1] maximizes (90 - q0 - q2 - q3 - q1) q1: q1 = max(0, (90 - rest) / 2)
    structure = analyze(game)
    br = BestResponseNLP(structure, structure.followers[0])
    values = {"q0": 30.0, "F[1].q": 50.0, "F[2].q": 10.0, "F[3].q": 20.0}
    assert br(values) == pytest.approx([15.0], abs=1e-6)
    assert br(values | {"F[3].q": 80.0}) == pytest.approx([0.0], abs=1e-6)  # 90 - 120 < 0
    assert br(values | {"q0": 0.0, "F[2].q": 0.0}) == pytest.approx([35.0], abs=1e-6)
    assert game.F[2].q.value == 0.0 and not game.F[2].q.fixed  # the model is left alone


def test_a_failed_best_response_names_its_follower():
    game = root_follower()  # max y s.t. y^2 <= x: no y when x < 0
    structure = analyze(game)
    br = BestResponseNLP(structure, structure.followers[0])
    assert br({"x": 4.0, "F.y": 1.0}) == pytest.approx([2.0], abs=1e-6)
    with pytest.raises(RuntimeError, match=r"best response of F failed: .*[Ii]nfeasible"):
        br({"x": -1.0, "F.y": 1.0})


def test_the_oracles_stop_at_their_deadline():
    """Past its deadline an oracle returns an equilibrium that has not converged, saying why: the
    relaxation before its first round, the kkt oracle after Newton (which fails from the cold
    start of 20 cyber-insurance agents) and before any rescue; a best response is not solved.
    Without a deadline the same calls succeed."""
    import time

    import pyomo.environ as pyo

    from stackopt.backends.oracles.base import TIME_LIMIT

    past = time.perf_counter() - 1.0
    game = cournot(n=3)
    ev = KKTEvaluator(game)
    relaxation = RelaxationOracle(game, ev)
    relaxation.deadline = past
    eq = relaxation(np.array([30.0]), np.zeros(ev.n_z))
    assert not eq.converged and eq.message == TIME_LIMIT
    relaxation.deadline = None
    assert relaxation(np.array([30.0]), np.zeros(ev.n_z)).converged
    structure = analyze(game)
    br = BestResponseNLP(structure, structure.followers[0])
    values = {"q0": 30.0, "F[1].q": 50.0, "F[2].q": 10.0, "F[3].q": 20.0}
    with pytest.raises(RuntimeError, match=r"best response of F\[1\]: the time limit has passed"):
        br(values, past)
    assert br(values, time.perf_counter() + 60) == pytest.approx([15.0], abs=1e-6)
    insurance = so.models.cyber_insurance(20, risk_aversion=0.1, seed=0)
    ev = KKTEvaluator(insurance)
    z, pi = ev.values_of({v.name: v.value for v in insurance.component_data_objects(pyo.Var)})
    kkt = KKTOracle(insurance, ev)
    kkt.deadline = past
    eq = kkt(pi, z)
    assert not eq.converged and eq.message == TIME_LIMIT


def test_the_gradient_method_calls_no_oracle_after_its_time_limit(monkeypatch):
    """A slow user oracle (0.2 s a call) under time_limit=1: every call begins before the
    deadline of the run it serves, and the run ends time_limit at a decision with its recomputed
    equilibrium."""
    import time

    from stackopt.backends.oracles.user import UserOracle

    calls, serving = [], {}  # (when the callable began, the oracle's deadline then)
    wrapped = UserOracle.__call__

    def spy(self, pi, z0, rng=None):
        serving["deadline"] = self.deadline
        return wrapped(self, pi, z0, rng)

    def slow(leader):
        calls.append((time.perf_counter(), serving["deadline"]))
        time.sleep(0.2)
        return {"F.q": (98.0 - leader["q0"]) / 2}

    monkeypatch.setattr(UserOracle, "__call__", spy)
    res = so.solve(duopoly(), method="gradient", oracle=slow, time_limit=1.0)
    assert res.status == "time_limit" and res.leader_objective is not None
    assert calls and all(deadline is not None and t < deadline + 1e-3 for t, deadline in calls)


def test_a_time_limit_inside_the_oracle_is_no_infeasible_start(monkeypatch):
    """An oracle that its deadline stops at the start says so, and the run ends time_limit: no
    phase 1 (the followers' domain is not in question), and a later start stopped there too is
    dropped, not reported. Here every deadline of the run has passed as soon as it is set (the
    honest evaluation's own, after the limit, is not: it has none here)."""
    import stackopt.backends.evaluation as evaluation
    from stackopt.backends.oracles.base import TIME_LIMIT, Timed

    monkeypatch.setattr(Timed, "late", lambda self: self.deadline is not None)
    monkeypatch.setattr(evaluation, "evaluation_deadline", lambda status: None)
    res = so.solve(duopoly(), method="gradient", time_limit=60)
    assert res.status == "time_limit" and TIME_LIMIT in res.message
    assert "phase 1" not in res.message and not any("phase" in row for row in res.history)
    assert "starts" not in res.info  # the high-point relaxation's start was dropped
    assert res.leader == {"q0": 0.0} and res.leader_objective is not None


def test_a_best_response_gives_ipopt_the_time_left(monkeypatch):
    """The deadline reaches Ipopt as max_cpu_time, the seconds left when the solve begins; no
    deadline, no limit."""
    import time

    from stackopt.backends.oracles import best_response

    seen: dict = {}

    class Spy(best_response.CyIpoptNLP):
        def add_option(self, key, value):
            seen[key] = value
            super().add_option(key, value)

    monkeypatch.setattr(best_response, "CyIpoptNLP", Spy)
    structure = analyze(cournot(n=3))
    br = BestResponseNLP(structure, structure.followers[0])
    values = {"q0": 30.0, "F[1].q": 50.0, "F[2].q": 10.0, "F[3].q": 20.0}
    assert br(values, time.perf_counter() + 10.0) == pytest.approx([15.0], abs=1e-6)
    assert 9.0 < seen["max_cpu_time"] <= 10.0
    seen.clear()
    assert br(values) == pytest.approx([15.0], abs=1e-6)
    assert "max_cpu_time" not in seen


def test_a_deadline_passing_inside_a_best_response_is_the_relaxations_time_limit():
    """F[1]'s best response takes 0.3 s and the deadline passes during it: the relaxation ends
    after that round, not converged, its message the time limit's with the best response's own
    words after it."""
    import time

    from stackopt.backends.oracles.base import TIME_LIMIT

    game = cournot(n=3)
    ev = KKTEvaluator(game)
    relaxation = RelaxationOracle(game, ev)
    solve = relaxation.solvers["F[1]"]

    def slow(values, deadline=None):
        time.sleep(0.3)
        return solve(values, deadline)

    relaxation.solvers["F[1]"] = slow
    relaxation.deadline = time.perf_counter() + 0.1
    eq = relaxation(np.array([30.0]), np.zeros(ev.n_z))
    assert not eq.converged and eq.iterations == 1
    assert eq.message == f"{TIME_LIMIT} (best response of F[1]: the time limit has passed)"


def test_a_deadline_passing_while_ipopt_runs_stops_the_best_response():
    """Ipopt's CPU clock does not count a wait: every evaluation of F[1]'s objective sleeps 0.1 s,
    and the deadline, 0.05 s ahead, passes during the first (the check of the start's derivatives,
    backends/bounded_nlp.py). Ipopt's intermediate callback stops it at its first iteration, one
    evaluation later (8 in all when it runs to the answer q1 = 15), the best response raises the
    time limit's RuntimeError, and the relaxation reports its time limit."""
    import time

    from stackopt.backends.oracles.base import TIME_LIMIT

    game = cournot(n=3)
    ev = KKTEvaluator(game)
    relaxation = RelaxationOracle(game, ev)
    br = relaxation.solvers["F[1]"]
    evaluate, calls = br.nlp.evaluate_objective, []

    def slow(*args):
        calls.append(time.perf_counter())
        time.sleep(0.1)
        return evaluate(*args)

    br.nlp.evaluate_objective = slow
    values = {"q0": 30.0, "F[1].q": 50.0, "F[2].q": 10.0, "F[3].q": 20.0}
    with pytest.raises(RuntimeError, match=r"^best response of F\[1\]: the time limit has passed$"):
        br(values, time.perf_counter() + 0.05)
    assert len(calls) == 2
    calls.clear()
    assert br(values, time.perf_counter() + 60) == pytest.approx([15.0], abs=1e-6)
    assert len(calls) == 8
    calls.clear()
    relaxation.deadline = time.perf_counter() + 0.05
    eq = relaxation(np.array([30.0]), np.zeros(ev.n_z))
    assert not eq.converged and eq.iterations == 1 and len(calls) == 2
    assert eq.message == f"{TIME_LIMIT} (best response of F[1]: the time limit has passed)"


def test_the_gradient_method_with_slow_best_responses_stops_at_its_time_limit(monkeypatch):
    """oracle="relaxation" whose every Ipopt best response takes 0.3 s more (the start's
    equilibrium takes 8 of them, 2.4 s): under time_limit=1 every best response begins before
    the deadline it was given, and the run ends time_limit at the start's decision with its
    recomputed equilibrium."""
    import time

    solve = BestResponseNLP.__call__
    calls = []  # (when the best response began, its deadline)

    def slow(self, values, deadline=None):
        calls.append((time.perf_counter(), deadline))
        time.sleep(0.3)
        return solve(self, values, deadline)

    monkeypatch.setattr(BestResponseNLP, "__call__", slow)
    res = so.solve(duopoly(), method="gradient", oracle="relaxation", time_limit=1.0)
    assert res.status == "time_limit" and "time limit" in res.message
    assert calls and all(deadline is not None and t < deadline + 1e-3 for t, deadline in calls)
    assert res.leader_objective is not None and np.isfinite(res.leader_objective)


def test_relaxation_with_a_closed_form_best_response_drives_the_gradient_method():
    br = {"F": lambda v: {"F.q": (98.0 - v["q0"]) / 2}}
    res = so.solve(
        duopoly(),
        method="gradient",
        oracle="relaxation",
        oracle_options={"best_responses": br},
        optimizer="sgd",
        lr=0.5,
        line_search=False,
        max_iter=200,
    )
    assert res.leader["q0"] == pytest.approx(46, abs=1e-3)
    assert res.info["oracle"] == "relaxation"


def test_dynamics_oracle_lands_on_each_pure_equilibrium_and_the_sampled_gradient_is_unbiased():
    C = 10.0
    game = three_equilibria(C=C)
    ev = KKTEvaluator(game)
    oracle = DynamicsOracle(game, ev)
    p = np.full(3, 1 / 3)
    n = 150

    def sample(leader, seed):
        eq = oracle(leader, np.zeros(ev.n_z), np.random.default_rng(seed))
        assert eq.converged
        return eq, ev.evaluate(eq.z, leader)

    grads, picks = [], []
    for seed in range(n):
        eq, at = sample(p, seed)
        grads.append(-Sensitivity(at).adjoint(at.leader_cost_grad_z, at.leader_cost_grad_pi))
        picks.append(int(np.argmax(eq.z[:3])))
    grads = np.array(grads)
    mean, se = grads.mean(0), grads.std(0, ddof=1) / np.sqrt(n)
    counts = np.bincount(picks, minlength=3)
    assert counts.min() > 0.25 * n  # all three pure equilibria are selected, roughly uniformly

    # central finite differences of the expected objective, with common random numbers
    h = 1e-4
    fd = []
    for l in range(3):
        e = np.eye(3)[l] * h
        up = np.mean([-sample(p + e, s)[1].leader_cost for s in range(n)])
        down = np.mean([-sample(p - e, s)[1].leader_cost for s in range(n)])
        fd.append((up - down) / (2 * h))
    assert np.all(np.abs(mean - np.array(fd)) <= se + 1e-6)
    # and the closed form of E(p) = -C/3 p0 + (2C - 3)/3 p2 lies within 3 standard errors
    exact = np.array([-C / 3, 0.0, (2 * C - 3) / 3])
    assert np.all(np.abs(mean - exact) <= 3 * se + 1e-9)


def test_gradient_with_samples_records_the_sample_variance():
    res = so.solve(
        three_equilibria(C=10.0),
        method="gradient",
        oracle="dynamics",
        samples=8,
        max_iter=3,
        lr=0.01,
        optimizer="adam",
        line_search=False,
        seed=3,
    )
    assert all(row["grad_variance"] > 0 for row in res.history)
    assert res.warnings  # the pure equilibria are degenerate: regularized solves are reported


def test_oracle_options_are_checked():
    with pytest.raises(so.OptionError, match="damping must be in"):
        so.solve(duopoly(), method="gradient", oracle="relaxation", oracle_options={"damping": 2})
    with pytest.raises(so.OptionError, match="oracle 'dynamics'.*speed"):
        so.solve(duopoly(), method="gradient", oracle="dynamics", oracle_options={"speed": 1})
    with pytest.raises(so.OptionError, match="best_responses names unknown followers"):
        so.solve(
            duopoly(),
            method="gradient",
            oracle="relaxation",
            oracle_options={"best_responses": {"G": print}},
        )


def test_cold_start_of_a_nonconvex_game_is_rescued_by_gradient_play():
    # 20 interdependent agents with sigmoid attack probabilities: Newton and Ipopt fail from x = 0,
    # best responses oscillate; projected gradient play plus estimated multipliers converge
    res = so.solve(so.models.cyber_insurance(20, risk_aversion=0.1, seed=0), method="initial")
    assert res.status == "feasible"
    assert res.info["equilibrium_oracle"] == "play+kkt"
    assert res.info["equilibrium_residual"] <= 1e-6


def test_paper_size_security_game_equilibrium_by_play_on_capped_simplices():
    # 5 defenders x 100 targets (the paper's size): Newton fails from the uniform patrol, and
    # gradient play projects each patrol set {0 <= x <= 1, sum x = 10} in closed form
    res = so.solve(so.models.security_game(budget=0.2, seed=0), method="initial")
    assert res.status == "feasible"
    assert res.info["equilibrium_oracle"] == "play+kkt"
    assert res.info["equilibrium_residual"] <= 1e-6


def test_gradient_play_onto_a_face_where_the_entropy_is_undefined_steps_back():
    """Entropy terms: play from the default start steps onto a face of the simplex, where log 0 is
    undefined; the step is halved toward the point it left, and play reaches the equilibrium that
    Ipopt's rescue finds from the same start. As the kkt oracle's first rescue (Newton fails from
    there) play stops at the face instead and hands over to Ipopt, which is far quicker there."""
    game = so.models.qre_subsidy(n=2, actions=3, seed=0)
    ev = KKTEvaluator(game)
    z0, pi = ev.values_of(
        {v.name: v.value for v in ev.kkt.primal} | dict.fromkeys(ev.leader_names, 0.0)
    )
    pi = np.random.default_rng(0).uniform(size=len(pi))
    played = DynamicsOracle(game, ev, start="given")(pi, z0)
    assert played.converged and played.iterations >= 1
    rescued = IpoptKKTOracle(game, ev)(pi, z0)
    assert played.z[: ev.n_x] == pytest.approx(rescued.z[: ev.n_x], abs=1e-6)
    rescue = DynamicsOracle(game, ev, start="given", backtrack=False)(pi, z0)
    assert not rescue.converged and rescue.message.startswith("cannot evaluate")
    eq = KKTOracle(game, ev)(pi, z0)
    assert eq.converged and eq.oracle == "ipopt-kkt+kkt"
    assert eq.z[: ev.n_x] == pytest.approx(played.z[: ev.n_x], abs=1e-6)


def test_play_along_a_ray_doubles_its_step_and_stops_out_of_reach_where_no_face_ends_it():
    """The follower min (x - 1) y over y >= 0 has no best response for x < 1: play's gradient is
    the constant x - 1, and every step adds the same 0.1 (1 - x) to y. After REPEATS equal moves
    the step doubles at each step, and play stops once y passes OUT_OF_REACH (it marched 20000
    steps, a second, in each of the kkt oracle's rescues of every failing line-search trial). For
    x > 1 the ray ends at the face y = 0: the equilibrium."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 3))
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, None))
    g.F.cost = pyo.Objective(expr=(g.x - 1) * g.F.y)
    g.cost = pyo.Objective(expr=(g.x - 0.5) ** 2 + g.F.y)
    ev = KKTEvaluator(g)
    z0 = np.zeros(ev.n_z)
    eq = DynamicsOracle(g, ev, start="given")(np.array([0.5]), z0)
    assert not eq.converged and eq.iterations < dynamics.REPEATS + 50
    assert eq.message.startswith("play marched off along a ray")
    z0[0] = 5.0
    bounded = DynamicsOracle(g, ev, start="given")(np.array([1.5]), z0)
    assert bounded.converged and bounded.z[0] == pytest.approx(0.0, abs=1e-9)
    assert bounded.iterations < 20


def test_play_reaches_the_vertex_of_a_linear_follower_near_a_tie_in_few_steps():
    """Traffic min (1 + T) f1 + 3 f2 s.t. f1 + f2 = 10 at T = 2 - 1e-4: route 1 is cheaper by
    1e-4 per unit, so play's projected move is 5e-6 per step toward f1 = 10; from (5, 5) that was
    10^6 steps at eta, and takes a few dozen as the step doubles along the ray."""
    g = so.StackelbergGame()
    g.T = pyo.Var(bounds=(0, 5))
    g.F = so.Follower()
    g.F.f1 = pyo.Var(bounds=(0, 10))
    g.F.f2 = pyo.Var(bounds=(0, 10))
    g.F.cost = pyo.Objective(expr=(1 + g.T) * g.F.f1 + 3 * g.F.f2)
    g.F.demand = pyo.Constraint(expr=g.F.f1 + g.F.f2 == 10)
    g.revenue = pyo.Objective(expr=g.T * g.F.f1, sense=pyo.maximize)
    ev = KKTEvaluator(g)
    z0 = np.zeros(ev.n_z)
    z0[:2] = 5.0
    eq = DynamicsOracle(g, ev, start="given")(np.array([2 - 1e-4]), z0)
    assert eq.converged and eq.z[:2] == pytest.approx([10.0, 0.0], abs=1e-8)
    assert eq.iterations < 100


def test_the_ipopt_rescue_compiles_once_and_holds_each_call_at_its_leader_decision():
    # one NLP for every call: the leader's Vars are held at pi by equal bounds, so a second
    # decision gives its own equilibrium (the evaluator's KKT residual, not the NLP's, says so)
    game = so.models.qre_subsidy(n=2, actions=3, seed=0)
    ev = KKTEvaluator(game)
    z0, _ = ev.values_of({v.name: v.value for v in ev.kkt.primal} | dict.fromkeys(ev.leader_names))
    oracle = IpoptKKTOracle(game, ev)
    rng = np.random.default_rng(0)
    found = []
    for _ in range(2):
        pi = rng.uniform(size=ev.n_pi)
        eq = oracle(pi, z0)
        assert eq.converged and eq.residual <= 1e-6
        found.append((oracle._problem.compiled, eq.z))
    assert found[0][0] is found[1][0]
    assert np.abs(found[0][1][: ev.n_x] - found[1][1][: ev.n_x]).max() > 1e-3


def test_play_is_polished_early_at_the_equilibrium_it_is_heading_for(monkeypatch):
    # polishing once play's step is below 1e-3 lands on the same equilibrium as playing on to
    # 1e-3 tol, in fewer steps (the polished point is accepted only where play's tail ends)
    game = so.models.security_game(defenders=3, targets=30, patrol=15, resources=3.0, seed=1)
    ev = KKTEvaluator(game)
    z0, pi = ev.values_of(
        {v.name: v.value for v in ev.kkt.primal} | dict.fromkeys(ev.leader_names, 0.0)
    )
    early = DynamicsOracle(game, ev, start="given")(pi, z0)
    monkeypatch.setattr(dynamics, "POLISH_FROM", 0.0)  # play to the end, then polish
    late = DynamicsOracle(game, ev, start="given")(pi, z0)
    assert early.converged and late.converged
    assert early.z == pytest.approx(late.z, abs=1e-9)
    assert early.iterations < 0.7 * late.iterations  # 115 against 198 steps


def test_an_ended_equilibrium_branch_is_rescued_by_play_from_random_starts():
    # cyber insurance (seed 7, risk aversion 0.3) at the leader decision where the gradient
    # method's equilibrium branch ended: Newton, play and Ipopt from the last equilibrium fail
    # (play cycles), and another equilibrium is found by play from a random start
    game = so.models.cyber_insurance(agents=10, risk_aversion=0.3, seed=7)
    ev = KKTEvaluator(game)
    compensation = [35.3743, 36.3476, 34.04, 34.6445, 37.439, 34.8484, 38.8887, 38.2318, 34.3978]
    premium = [4.5636, 9.0388, 4.8582, 11.0218, 3.1133, 14.5142, 9.5625, 3.7513, 6.5297]
    pi = np.array(compensation + [38.6191] + premium + [14.3026])
    x0 = [0.8001, 0.1884, 1.3958, 0.5161, 1.4642, 0.0, 0.1793, 0.7945, 0.0, 0.0]
    z0 = np.concatenate([x0, np.zeros(ev.n_z - ev.n_x)])
    assert not DynamicsOracle(game, ev, start="given")(pi, z0).converged
    eq = KKTOracle(game, ev)(pi, z0, np.random.default_rng(0))
    assert eq.converged and eq.oracle == "play-random+kkt"
    assert eq.residual <= 1e-6
    assert eq.z[[1, 9]] == pytest.approx([0.0, 0.1858], abs=1e-4)  # the other equilibrium


def test_multipliers_of_an_interior_point_best_response_at_a_bound():
    # duopoly with q0 = 100 > A - c2: the follower's best response is q = 0 with multiplier
    # -(A - c2 - q0) = 2 on q >= 0 (and 0 on q <= A); Ipopt returns it as q ~ 1e-7, inside by its
    # barrier parameter
    game = duopoly()
    ev = KKTEvaluator(game)
    pi, x = np.array([100.0]), np.array([1e-7])
    z = with_multipliers(ev, x, pi, tol=1e-6)
    assert z[ev.n_x :] == pytest.approx([2.0, 0.0], abs=1e-6)
    eq = NewtonOracle(ev)(pi, z)
    assert eq.converged and eq.z == pytest.approx([0.0, 2.0, 0.0], abs=1e-9)
    # a slack above the tolerance is an inactive constraint: no multiplier
    assert with_multipliers(ev, x, pi, tol=1e-8)[ev.n_x :] == pytest.approx([0.0, 0.0])


def test_a_bad_start_of_play_is_named():
    game = duopoly()
    ev = KKTEvaluator(game)
    with pytest.raises(so.OptionError, match="start must be 'random' or 'given', got 'middle'"):
        DynamicsOracle(game, ev, start="middle")
    with pytest.raises(so.OptionError, match="got 'centre'"):
        DynamicsOracle(game, ev)(np.array([10.0]), np.zeros(ev.n_z), start="centre")


def test_dynamics_oracle_plays_an_entropy_game_from_random_starts():
    """QRE subsidies (2 followers x 3 actions): the entropy term x log x cannot be evaluated on a
    face of the simplex, where the projection puts play's random starts and steps. Each such step
    is halved toward the point it left (and the rest of play damped as much); every start reaches
    the kkt oracle's equilibrium. Before, every call ended "cannot evaluate" at its start."""
    game = so.models.qre_subsidy(2, 3, seed=1)
    ev = KKTEvaluator(game)
    pi = np.full(ev.n_pi, 0.1)
    z0 = ev.values_of({v.name: v.value for v in game.component_data_objects(pyo.Var)})[0]
    reference = KKTOracle(game, ev, 1e-8)(pi, z0)
    assert reference.converged
    oracle = DynamicsOracle(game, ev, 1e-8)
    rng = np.random.default_rng(0)
    for _ in range(5):
        eq = oracle(pi, z0, rng)
        assert eq.converged, eq.message
        assert eq.z[: ev.n_x] == pytest.approx(reference.z[: ev.n_x], abs=1e-7)
