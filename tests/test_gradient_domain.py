"""The gradient method's defaults on problems nobody here wrote: the followers' feasibility domain,
scale-free steps, starts, the option vocabulary and Ctrl-C."""

import time

import numpy as np
import pytest

import stackopt as so
from stackopt.models import bard1, cournot, duopoly
from stackopt.models.benchmarks.gnash import gnash

from .games import valley


def test_bard1_from_an_infeasible_start_goes_through_phase_one_to_the_optimum():
    # MacMPEC bard1: at x = 0 the follower has no feasible y (3x - y >= 3, y >= 0); optimum 17 at
    # (1, 0) on the boundary of the followers' domain x >= 1
    res = so.solve(bard1(), method="gradient")
    assert res.history[0]["phase"] == 1 and res.history[0]["found"]
    assert res.history[0]["leader"] == pytest.approx([1.0], abs=1e-6)
    assert res.success
    assert res.leader["x"] == pytest.approx(1.0, abs=1e-5)
    assert res.followers["F"]["y"] == pytest.approx(0.0, abs=1e-5)
    assert res.leader_objective == pytest.approx(17.0, abs=1e-5)


@pytest.mark.parametrize(
    "options",
    [{}, {"lr": 0.01, "optimizer": "adam", "line_search": False}],
    ids=["default", "paper"],
)
def test_bard1_from_x2_steps_along_the_domain_instead_of_failing(options):
    res = so.solve(bard1(), method="gradient", start={"x": 2.0}, **options)
    assert res.status != "error" and res.success
    assert "phase" not in res.history[0]  # the start was feasible
    assert res.leader["x"] == pytest.approx(1.0, abs=1e-5)
    assert res.leader_objective == pytest.approx(17.0, abs=1e-5)


def test_the_default_step_is_scale_free_on_a_cournot_leader():
    # A - c = 132, three followers: q0 = (A - c) / 2 = 66, profit (A - c)^2 / 16 = 1089; Algorithm
    # 1's fixed Adam steps of 0.01 reach only q0 = 43.9 in 5,000 steps
    res = so.solve(cournot(n=3, A=142.0, c=10.0), method="gradient", multistart=1)
    assert res.success and len(res.history) < 50
    assert res.leader["q0"] == pytest.approx(66.0, abs=1e-4)
    assert res.leader_objective == pytest.approx(1089.0, abs=1e-6)
    # the same game in units a thousand times smaller: the same number of steps, the same point
    small = so.solve(cournot(n=3, A=0.142, c=0.010), method="gradient", multistart=1)
    assert len(small.history) == len(res.history)
    assert small.leader["q0"] == pytest.approx(0.066, abs=1e-7)


def test_steps_is_refused_with_the_name_of_max_iter():
    with pytest.raises(so.OptionError, match="max_iter"):
        so.solve(duopoly(), method="gradient", steps=10)


def test_start_seed_and_multistart():
    def game():
        return cournot(n=3, A=142.0, c=10.0)

    res = so.solve(game(), method="gradient", start={"q0": 120.0}, max_iter=1, multistart=1)
    assert res.history[0]["objective"] == pytest.approx(120.0 * (132 - 120.0) / 4)
    runs = so.solve(game(), method="gradient", multistart=3, seed=5)
    assert [s["start"] for s in runs.info["starts"]] == [0, 1, 2]
    assert [s["kind"] for s in runs.info["starts"]] == [
        "the start",
        "the high-point relaxation",
        "random",
    ]
    assert all(s["objective"] == pytest.approx(1089.0, abs=1e-6) for s in runs.info["starts"])
    assert so.solve(game(), method="gradient", multistart=3, seed=5).info == runs.info

    def one_step(seed):
        res = so.solve(game(), method="gradient", multistart=3, seed=seed, max_iter=1)
        return [s["objective"] for s in res.info["starts"]]

    five, six = one_step(5), one_step(6)
    assert five[:2] == six[:2] and five[2] != six[2]  # the random start differs


def two_basins() -> so.StackelbergGame:
    """The leader's objective x^2 (x - 2)^2 - x / 4 on [-1, 3] (the follower copies x) has two
    local minima, near x = 0.03 (value ~0) and x = 2.03 (about -0.51); from x = -1 descent ends
    in the first."""
    import pyomo.environ as pyo

    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(-1, 3), initialize=-1.0)
    g.F = so.Follower()
    g.F.y = pyo.Var()
    g.F.cost = pyo.Objective(expr=(g.F.y - g.x) ** 2)
    g.cost = pyo.Objective(expr=g.F.y**2 * (g.F.y - 2) ** 2 - g.x / 4)
    return g


def test_multistart_keeps_the_best_certified_result():
    game = two_basins
    one = so.solve(game(), method="gradient", multistart=1)
    assert one.leader["x"] < 0.5
    # the default's second start, the high-point relaxation's decision, is in the better basin
    default = so.solve(game(), method="gradient")
    assert default.info["starts"][1]["kind"] == "the high-point relaxation"
    assert default.leader["x"] > 1.5 and default.success
    best = so.solve(game(), method="gradient", multistart=6, seed=0)
    objectives = [s["objective"] for s in best.info["starts"]]
    assert best.leader_objective == min(objectives) < one.leader_objective - 0.4
    assert best.leader["x"] > 1.5 and best.success


@pytest.mark.parametrize("busy", [False, True])
def test_the_defaults_later_start_is_capped_in_cpu_time_not_wall_time(monkeypatch, busy):
    """The default's later run gets twice the first run's CPU time (the floor of a second set to
    0 here): a second of waiting at its first step (a loaded machine's wall clock) leaves it
    as it was, a second of computing stops it at the cap, iteration_limit, saying so."""
    from stackopt.backends import gradient

    monkeypatch.setattr(gradient, "AUTO_START_MIN_TIME", 0.0)
    firsts = []

    def callback(state):
        firsts.append(state["step"] == 0)
        if state["step"] == 0 and sum(firsts) == 2:  # the later run's first step
            if busy:
                until = time.thread_time() + 1.0
                while time.thread_time() < until:
                    pass
            else:
                time.sleep(1.0)
        return False

    res = so.solve(two_basins(), method="gradient", callback=callback)
    later = res.info["starts"][1]
    if busy:  # stopped after its first step, at a feasible decision (x = 0.52)
        assert later["message"].startswith("stopped by the default's cap on a later start")
        assert later["objective"] > 1.0 and res.leader["x"] < 0.5
    else:
        assert "cap" not in later["message"]
        assert later["objective"] == pytest.approx(-0.5038, abs=1e-4) and res.leader["x"] > 1.5


def test_a_callback_stops_the_run_and_sees_each_step():
    seen = []

    def stop_at_two(state):
        seen.append((state["step"], state["leader"]["q0"]))
        return state["step"] == 2

    res = so.solve(duopoly(), method="gradient", lr=0.5, line_search=False, callback=stop_at_two)
    assert [s for s, _ in seen] == [0, 1, 2] and len(res.history) == 3
    assert "stopped by the callback after 3 steps" in res.message
    assert res.leader["q0"] == pytest.approx(seen[-1][1] + 0.5 * (46 - seen[-1][1]))


def test_ctrl_c_returns_the_best_point_so_far_as_interrupted():
    def interrupt(state):
        if state["step"] == 3:
            raise KeyboardInterrupt
        return False

    res = so.solve(duopoly(), method="gradient", lr=0.1, line_search=False, callback=interrupt)
    assert res.status == "interrupted" and not res.success
    assert len(res.history) == 4 and "interrupted (Ctrl-C)" in res.message
    # the best step so far is step 3 (the profit rises along the path); judged honestly there
    q0 = 46 * (1 - 0.9**3)
    assert res.leader["q0"] == pytest.approx(q0)
    assert res.leader_objective == pytest.approx((46 - q0 / 2) * q0)
    assert np.isfinite(res.violation)


def test_the_default_step_meets_a_budget_on_the_papers_qre_game():
    # the budget on the expected subsidy binds; the default run reaches what Algorithm 1 reaches
    # with the paper's settings, and both are certified stationary
    def game():
        return so.models.qre_subsidy(n=2, actions=3, budget=0.5, seed=0)

    default = so.solve(game(), method="gradient")
    paper = so.solve(game(), method="gradient", lr=0.01, optimizer="adam", line_search=False)
    assert default.status == paper.status == "locally_optimal"
    assert default.leader_objective == pytest.approx(paper.leader_objective, abs=1e-5)
    assert default.violation <= 1e-6 and default.history[-1]["multipliers"][0] > 0
    assert len(default.history) < len(paper.history) / 10


@pytest.mark.parametrize("instance, optimum", [(13, -7.06178), (14, -0.179046)])
def test_macmpec_gnash_differentiates_one_sided_at_the_bound_where_x_to_the_1_83_has_none(
    instance, optimum
):
    # the leader's cost has x^1.83 (gnash13/14); the line search's first trial lands on the bound
    # x = 0, where the ASL cannot form the derivatives of x^1.83: they are taken just inside
    # (stackopt.asl_functions.inside)
    res = so.solve(gnash(instance), method="gradient", multistart=1)
    assert res.success
    assert res.leader_objective == pytest.approx(optimum, abs=1e-5)


def test_each_start_of_a_multistart_gets_its_share_of_the_time_limit():
    # fixed steps far too small to converge: every start runs until its share of the time is up;
    # the first does not take it all (remaining time / remaining starts)
    res = so.solve(
        duopoly(), method="gradient", lr=1e-9, line_search=False, max_iter=10**7,
        multistart=3, time_limit=1.5,
    )  # fmt: skip
    assert [s["status"] for s in res.info["starts"]] == ["time_limit"] * 3
    assert res.status == "time_limit"


def test_the_default_first_run_takes_its_share_of_the_time_limit_not_all_of_it():
    # the default plans two starts; a slow callback keeps the first run from converging: it stops
    # at half the time limit (time_limit) and the high-point relaxation's start still runs
    steps = []

    def slow(state):
        steps.append((state["step"], time.perf_counter()))
        time.sleep(0.05)
        return False

    began = time.perf_counter()
    res = so.solve(valley(), method="gradient", time_limit=2.0, callback=slow)
    starts = res.info["starts"]
    assert starts[0]["status"] == "time_limit" and len(starts) >= 2
    last_of_first = next(t for (_, t), (k, _) in zip(steps, steps[1:]) if k == 0)
    assert last_of_first - began < 1.0 + 0.1  # half of the time limit, and a step over it


def test_no_later_run_starts_once_the_relaxation_has_used_up_the_time(monkeypatch):
    # the high-point relaxation gets the time left and no floor; when it returns past the
    # deadline, no run starts from its point (one would solve an equilibrium and take a step)
    from stackopt.backends import gradient

    def slow_relaxation(structure, time_limit):
        time.sleep(time_limit + 0.05)
        return {"x1": 1.0, "x2": 1.0, "F.y": 1.0}

    monkeypatch.setattr(gradient, "high_point", slow_relaxation)
    res = so.solve(valley(), method="gradient", time_limit=1.0, callback=lambda s: time.sleep(0.05))
    assert res.status == "time_limit" and "starts" not in res.info  # start 0's Result alone
    assert res.wall_time < 1.0 + 0.05 + 0.5  # the relaxation's overrun, and the evaluation


def test_a_linear_followers_domain_is_tested_by_an_lp_that_agrees_with_ipopt():
    # PAO's bard511: y >= 3 - x, y <= 2x, y <= 12 - 2x, 2y >= 3x - 4 meet for x in [1, 4] only
    from stackopt.backends.feasible_start import FollowerDomain
    from stackopt.models.benchmarks.pao import bard511
    from stackopt.structure import analyze

    domain = FollowerDomain(analyze(bard511()))
    assert domain._linear is not None
    points = [0.5, 0.999, 1.0, 2.5, 4.0, 4.001, 4.5]
    inside = [domain.contains(np.array([x]), np.zeros(1)) for x in points]
    assert inside == [False, False, True, True, True, False, False]
    ipopt = [domain._solve(np.array([x]), np.zeros(1), fixed=True).found for x in points]
    assert ipopt == inside


def test_random_starts_follow_when_the_relaxation_tries_no_other_leader_decision():
    # MacMPEC ex9.1.3: the high-point relaxation's x is the model's x = 0, and both runs stop at
    # the local minimum -16 at x = (1.5, 0); the default's random starts reach the optimum -29.2
    from stackopt.models.benchmarks.floudas_ch9 import ex9_1_3

    res = so.solve(ex9_1_3(), method="gradient")
    kinds = [s["kind"] for s in res.info["starts"]]
    assert kinds == ["the start", "the high-point relaxation", "random", "random"]
    assert res.info["starts"][0]["objective"] == pytest.approx(-16.0, abs=1e-4)
    assert res.success and res.leader_objective == pytest.approx(-29.2, abs=1e-4)


def test_no_random_start_where_the_leader_is_fixed_by_its_bounds():
    """With 0 <= q0 <= 0 every random start is start 0 again: the default runs the start and
    the relaxation's point (whose followers differ), not two random copies as well; at q0 = 10
    the relaxation's point is the start's, and one run is all there is."""
    from stackopt.models import duopoly

    kinds = []
    for value in (0.0, 10.0):
        g = duopoly()
        g.q0.setlb(value), g.q0.setub(value)
        g.q0.set_value(value)
        res = so.solve(g, method="gradient")
        assert res.success and res.leader == {"q0": value}
        kinds.append([s["kind"] for s in res.info.get("starts", [{"kind": "the start"}])])
    assert kinds == [["the start", "the high-point relaxation"], ["the start"]]


def test_a_line_search_the_deadline_stops_says_so(monkeypatch):
    # the follower's y = 0 (multiplier 1) answers every x, so the oracle converges at once and
    # never sees the deadline; no trial decreases L_mu, and the deadline passes during the first:
    # the search stops there, and the message names the time limit, not a failed decrease
    import pyomo.environ as pyo

    from stackopt.backends import gradient

    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 2), initialize=0.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 1), initialize=0.0)
    g.F.cost = pyo.Objective(expr=g.F.y)
    g.cost = pyo.Objective(expr=(g.x - 1) ** 2 + g.F.y)
    made = []

    def oracle(*args):
        made.append(make_oracle(*args))
        return made[-1]

    def no_decrease(*args):
        made[0].deadline = time.perf_counter()  # has passed when the next trial would begin
        return False

    make_oracle = gradient.make_oracle
    monkeypatch.setattr(gradient, "make_oracle", oracle)
    monkeypatch.setattr(gradient, "sufficient_decrease", no_decrease)
    monkeypatch.setattr(gradient, "descent_direction", lambda *args: None)  # no other side
    res = so.solve(g, method="gradient", multistart=1, time_limit=60.0)
    assert res.status == "time_limit"
    assert res.message.startswith(
        "no step from the decision of step 0: the time limit stopped the line search (1 trial step)"
    )
    assert [row["halvings"] for row in res.history] == [1]
