"""The certificate of a Result: Nash gaps by best-response solves, leader stationarity on the
linearized MPEC, and the one rule that turns a method's claim into a status (issue 21)."""

import numpy as np
import pyomo.environ as pyo
import pytest

import stackopt as so
from stackopt.backends.certification import leader_stationarity
from stackopt.backends.evaluation import honest_result
from stackopt.certificate import (
    Certificate,
    EquilibriumCheck,
    FollowerCheck,
    GlobalBound,
    StationarityCheck,
    derive_status,
)
from stackopt.kkt_evaluator import KKTEvaluator


def _concave_follower(y0: float) -> so.StackelbergGame:
    """The follower minimizes -(y - 1)^2 on [0, 3]: y = 1 is a KKT point and its WORST response;
    the best response is y = 3 (value -4)."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 1), initialize=0.5)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 3), initialize=y0)
    g.F.cost = pyo.Objective(expr=-((g.F.y - 1) ** 2) + 0.0 * g.x)
    g.obj = pyo.Objective(expr=g.x + g.F.y)
    return g


def test_a_concave_followers_worst_response_is_repaired_to_its_best_response():
    res = so.solve(_concave_follower(1.0), method="initial")
    eq = res.certificate.equilibrium
    assert res.status == "feasible"
    assert eq.holds and eq.repairs == 1 and eq.exact
    assert res.followers["F"]["y"] == pytest.approx(3.0, abs=1e-6)
    assert res.leader_objective == pytest.approx(3.5, abs=1e-6)
    assert eq.followers[0].method == "scip" and eq.gap == pytest.approx(0.0, abs=1e-6)
    assert res.warnings and "better responses" in res.warnings[0]


def _two_local_responses() -> so.StackelbergGame:
    """min_y (y^2 - 1)^2 + 0.5 x y on [-2, 2]: local minima near y = +1 and y = -1; for x = 1 the
    global one is near -1 (f = -0.5 + O(1/16)) and the one near +1 is worse (f = +0.5 - ...)."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0.5, 1), initialize=1.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(-2, 2), initialize=1.0)
    g.F.cost = pyo.Objective(expr=(g.F.y**2 - 1) ** 2 + 0.5 * g.x * g.F.y)
    g.obj = pyo.Objective(expr=g.F.y**2 + g.x)
    return g


def test_a_local_best_response_is_not_an_equilibrium():
    g = _two_local_responses()
    res = so.solve(g, method="initial")
    y = res.followers["F"]["y"]
    assert y < -0.9  # moved from the local minimum near +1 to the global one
    grid = np.linspace(-2, 2, 400001)
    brute = grid[np.argmin((grid**2 - 1) ** 2 + 0.5 * grid)]
    assert y == pytest.approx(brute, abs=1e-4)
    assert res.certificate.equilibrium.repairs >= 1 and res.status == "feasible"


def test_a_follower_with_no_feasible_response_is_never_a_success():
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 10), initialize=5.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 1))
    g.F.c = pyo.Constraint(expr=g.F.y >= g.x)  # no feasible y when x > 1
    g.F.cost = pyo.Objective(expr=(g.F.y - g.x) ** 2)
    g.obj = pyo.Objective(expr=g.x + g.F.y)
    for method in ("initial", "slsqp"):
        res = so.solve(g, method=method)
        assert not res.success or res.leader["x"] <= 1 + 1e-6, method
    res = so.solve(g, method="mpec", strategy="scholtes")
    assert res.leader_objective == pytest.approx(0.0, abs=1e-6)


def test_biactive_optimum_is_b_stationary_not_s_stationary():
    """MacMPEC ralph1: min 2x - y s.t. 0 <= y _|_ y - x >= 0, x >= 0, the KKT system of the
    follower min 0.5 y^2 - x y, y >= 0. At the optimum (0, 0) the pair is biactive; the relaxed
    NLP has the descent direction (dx, dy, dlam) = (0, 1, 1), each branch has none."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, None))
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, None))
    g.F.cost = pyo.Objective(expr=0.5 * g.F.y**2 - g.x * g.F.y)
    g.obj = pyo.Objective(expr=2 * g.x - g.F.y)
    ev = KKTEvaluator(g)
    st = leader_stationarity(ev, np.zeros(ev.n_z), np.zeros(ev.n_pi))
    assert (st.kind, st.holds, st.branches) == ("B", True, 2)
    assert st.biactive == ["F.y[lb]"]
    st = leader_stationarity(ev, np.array([0.5, 0.0]), np.array([0.5]))  # y = x = 0.5
    # dx = dy = -0.5: the unit move down stops at the bound x >= 0, so the decrease is 0.5
    assert st.kind == "none" and st.value == pytest.approx(0.5, rel=1e-6)


def test_a_nash_point_is_not_claimed_stackelberg():
    """The duopoly's Nash point q = (92/3, 101/3) is no Stackelberg optimum: a claim of local
    optimality there is lowered to feasible by the stationarity check."""
    g = so.models.duopoly()
    ev = KKTEvaluator(g)
    res = honest_result(
        g, ev, status="locally_optimal", values={"q0": 92 / 3}, reported_objective=None
    )
    st = res.certificate.stationarity
    assert res.status == "feasible" and st.kind == "none" and st.value > 1e-3
    assert "stationarity" in res.message
    res = honest_result(
        g, ev, status="locally_optimal", values={"q0": 46.0}, reported_objective=None
    )
    assert res.status == "locally_optimal" and res.leader_objective == pytest.approx(1058)


def test_certify_false_skips_the_checks_and_caps_the_status():
    res = so.solve(so.models.duopoly(), method="mpec", certify=False)
    assert res.status == "feasible" and not res.certificate.checked
    assert "certify=False" in res.message
    with pytest.raises(so.OptionError, match="certify"):
        so.solve(so.models.duopoly(), method="mpec", certify="no")


def _cert(**kw) -> Certificate:
    eq = EquilibriumCheck(True, 0.0, [FollowerCheck("F", 1.0, 0.0, 1.0, 0.0, "highs", True)])
    eq.exact = True
    base = dict(checked=True, equilibrium=eq, objective=-5.75, violation=0.0)
    base["stationarity"] = StationarityCheck("S", True, 0.0)
    base.update(kw)
    return Certificate(**base)


@pytest.mark.parametrize(
    "claim, cert, expected",
    [
        ("optimal", _cert(global_bound=GlobalBound("highs", True, -5.75)), "optimal"),
        # a tied follower response worse for the leader than the solver's (DempeLohse2011Ex31a)
        (
            "optimal",
            _cert(objective=-0.977, global_bound=GlobalBound("highs", True, -5.75)),
            "locally_optimal",
        ),
        ("optimal", _cert(), "locally_optimal"),  # no proven bound
        ("locally_optimal", _cert(stationarity=StationarityCheck("none", False, 0.3)), "feasible"),
        ("locally_optimal", _cert(violation=0.2), "infeasible"),
        (
            "feasible",
            _cert(equilibrium=EquilibriumCheck(False, 0.5, message="F improves")),
            "error",
        ),
        ("locally_optimal", _cert(checked=False), "feasible"),
        ("time_limit", _cert(), "time_limit"),
        ("interrupted", _cert(), "interrupted"),
    ],
)
def test_one_rule_for_statuses(claim, cert, expected):
    status, why = derive_status(claim, cert)
    assert status == expected
    assert bool(why) == (status != claim)


def _dempe_lohse_2011_ex31a() -> so.StackelbergGame:
    """BOLIB DempeLohse2011Ex31a: min |x - 0.5|^2 - 3 y1 - 3 y2 over x, where y solves
    min x1 y1 + x2 y2 s.t. y1 + y2 <= 2, y2 <= y1, y >= 0. At x1 = 0 every y1 in [0, 2] is a best
    response; the optimistic one, y = (2, 0), gives -5.75 at x = (0, 0.5)."""
    g = so.StackelbergGame()
    g.x = pyo.Var([1, 2], initialize=1.0, bounds=(-10, 10))
    g.F = so.Follower()
    g.F.y = pyo.Var([1, 2], bounds=(0, None), initialize=1.0)
    g.F.cost = pyo.Objective(expr=g.x[1] * g.F.y[1] + g.x[2] * g.F.y[2])
    g.F.total = pyo.Constraint(expr=g.F.y[1] + g.F.y[2] <= 2)
    g.F.order = pyo.Constraint(expr=g.F.y[2] <= g.F.y[1])
    g.obj = pyo.Objective(expr=sum((g.x[i] - 0.5) ** 2 for i in (1, 2)) - 3 * sum(g.F.y.values()))
    return g


@pytest.mark.parametrize("strategy", ["bigm", "scholtes"])
def test_tied_follower_responses_are_judged_optimistically(strategy):
    """The recomputed equilibrium may pick another of the tied responses (y1 = 0.87 gave -2.36);
    the method's own follower point, an equilibrium better for the leader, is kept instead."""
    big_m = {"strategy_options": {"dual_big_M": 100, "primal_big_M": 100}}
    options = big_m if strategy == "bigm" else {}
    res = so.solve(_dempe_lohse_2011_ex31a(), method="mpec", strategy=strategy, **options)
    assert res.leader_objective == pytest.approx(-5.75, abs=1e-6)
    assert res.status == "locally_optimal"  # bigm: a given M proves no global optimum
    assert res.certificate.equilibrium.gap <= 1e-6


def _calamai_vicente_1994b() -> so.StackelbergGame:
    """BOLIB CalamaiVicente1994b (known optimum 0.3125 at x = (1.25, 0.5, 1, 1), y = (0.25, 0.5))."""
    g = so.StackelbergGame()
    g.x = pyo.Var(range(4), initialize=1.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(range(2), initialize=1.0)
    x, y = g.x, g.F.y
    g.F.cost = pyo.Objective(expr=0.5 * (y[0] ** 2 + y[1] ** 2) - x[0] * y[0] - x[1] * y[1])
    g.F.g = pyo.ConstraintList()
    for e in (x[0] - y[0] - 1, x[1] - y[1] - 1, -x[0] - y[0] - 1, -x[1] - y[1] - 1):
        g.F.g.add(e <= 0)
    g.F.g.add(x[0] + y[0] <= 1.5)
    g.F.g.add(x[0] + y[1] <= 3)
    g.obj = pyo.Objective(
        expr=0.5 * sum((x[i] - 1) ** 2 for i in range(4)) + 0.5 * sum(y[i] ** 2 for i in range(2))
    )
    return g


def test_a_false_claim_of_stationarity_on_a_convex_follower_is_lowered():
    """At x0 = 1 the follower's cap y0 <= 1.5 - x0 is strongly active, so raising x0 lowers the
    leader's cost at rate 0.5 (the optimum has x0 = 1.25): no locally_optimal there."""
    res = so.solve(_calamai_vicente_1994b(), method="gradient")
    cert = res.certificate
    if res.status == "locally_optimal":  # a method that reaches the optimum earns it
        assert res.leader_objective == pytest.approx(0.3125, abs=1e-5)
    else:
        assert cert.equilibrium.holds and cert.stationarity.kind == "none"
    exact = so.solve(
        _calamai_vicente_1994b(),
        method="mpec",
        strategy="bigm",
        strategy_options={"dual_big_M": 100, "primal_big_M": 100},
    )
    assert exact.leader_objective == pytest.approx(0.3125, abs=1e-3)


def test_second_order_check_sees_a_maximum_of_the_followers_problem():
    """-(y - 1)^2 at y = 1 (interior): reduced Hessian -2, relative -1; at the bound y = 3 no
    direction is free."""
    from stackopt.backends.certification import reduced_curvatures

    ev = KKTEvaluator(_concave_follower(1.0))
    pi = np.array([0.5])
    z = np.array([1.0, 0.0, 0.0])  # y, lam[lb], lam[ub]
    assert reduced_curvatures(ev, ev.linearization(z, pi), z) == pytest.approx([-1.0])
    z = np.array([3.0, 0.0, 4.0])
    assert reduced_curvatures(ev, ev.linearization(z, pi), z) == [float("inf")]


def _disconnected() -> so.StackelbergGame:
    """The follower (min y on [0, 1] with y >= 10 (x - 1)(2 - x)) has no feasible response for
    x in (1.113, 1.887): the bilevel feasible set is [0, 1.113] u [1.887, 3]. The leader's
    (x - 1.5)^2 + y has its optima 0.25 at x = 1 and x = 2."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 3), initialize=1.5)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, 1), initialize=0.5)
    g.F.floor = pyo.Constraint(expr=g.F.y >= 10 * (g.x - 1) * (2 - g.x))
    g.F.cost = pyo.Objective(expr=g.F.y)
    g.obj = pyo.Objective(expr=(g.x - 1.5) ** 2 + g.F.y)
    return g


def test_a_disconnected_feasible_region():
    res = so.solve(_disconnected(), method="initial")  # x = 1.5: the follower has no response
    assert not res.success
    res = so.solve(_disconnected(), method="mpec", strategy="scholtes", multistart=3)
    assert res.status == "locally_optimal"
    assert res.leader_objective == pytest.approx(0.25, abs=1e-6)
    assert min(abs(res.leader["x"] - 1), abs(res.leader["x"] - 2)) < 1e-5


def test_certify_rechecks_a_result_and_lowers_an_unearned_status():
    g = so.models.duopoly()
    res = so.solve(g, method="mpec")
    again = so.certify(g, res)
    assert (again.status, again.leader_objective) == (res.status, pytest.approx(1058))
    nash = so.solve(g, method="simgd", step=0.3, start={"q0": 10.0, "F.q": 10.0})
    nash.certificate.claim = "locally_optimal"  # a claim the certificate does not grant
    again = so.certify(g, nash)
    assert again.status == "feasible" and "leader stationarity not certified" in again.message


@pytest.mark.parametrize("seed", [0, 11, 15])
def test_no_false_success_on_random_nonconvex_followers(seed):
    """Seeds on which Scholtes' KKT point left a follower 0.46 to 1.10 above its best response and
    was called locally_optimal (found by the brute-force sweep of
    benchmarks/certificate_random_games.py). With nonconvex followers a pure equilibrium need not
    exist near the point: an unsuccessful status is then the honest answer; a success must hold."""
    from tests.random_quartic_games import brute_force_gap, random_quartic_game

    g, coef = random_quartic_game(seed)
    res = so.solve(g, method="mpec", strategy="scholtes")
    gap = res.certificate.equilibrium.gap
    assert res.success == (gap is not None and gap <= 1e-5)
    if res.success:
        assert brute_force_gap(coef, res) <= 1e-5


@pytest.mark.parametrize(("a", "b", "kind"), [(-1, 2, "S"), (1, -2, "C"), (0, -1, "M")])
def test_stationarity_types_at_a_biactive_point(a, b, kind):
    """Leader a x + b y, follower min 0.5 y^2 - x y on y >= 0 (y = max(0, x)), at the biactive
    origin. The MPEC multipliers are u = -a (of lam >= 0) and v = a + b (of y >= 0): S-stationary
    when both are >= 0; (1, -2) gives u = v = -1 (C, not M); (0, -1) gives u = 0 (M, not S), and
    both have the descent direction x > 0."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(-1, 1))
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(0, None))
    g.F.cost = pyo.Objective(expr=0.5 * g.F.y**2 - g.x * g.F.y)
    g.obj = pyo.Objective(expr=a * g.x + b * g.F.y)
    ev = KKTEvaluator(g)
    st = leader_stationarity(ev, np.zeros(ev.n_z), np.zeros(ev.n_pi))
    assert (st.kind, st.holds) == (kind, kind == "S")


def test_a_bound_nearer_than_the_unit_move_limits_the_decrease():
    """Leader x in [0, 5], follower y = x, leader cost x^2 + y^2 (total derivative 4x). An
    interior-point solve ends about sqrt(mu) above the bound x = 0, whose multiplier is 0: the
    move down stops at the bound, so the decrease there is 4x * x, not the rate 4x."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 5), initialize=2.0)
    g.F = so.Follower()
    g.F.y = pyo.Var(bounds=(-10, 10), initialize=0.0)
    g.F.cost = pyo.Objective(expr=(g.F.y - g.x) ** 2)
    g.obj = pyo.Objective(expr=g.x**2 + g.F.y**2)
    ev = KKTEvaluator(g)
    for x, decrease in ((3e-5, 3.6e-9), (0.25, 0.25)):
        st = leader_stationarity(ev, np.array([x, 0.0, 0.0]), np.array([x]))
        assert st.value == pytest.approx(decrease, rel=1e-6)
        assert st.holds == (decrease <= 1e-5)
    assert so.solve(g, method="mpec").status == "locally_optimal"


def _bard1_with_a_bonus() -> so.StackelbergGame:
    """bard1 with the leader's objective lowered by k (x - 1)^2, k a mutable Param (0: bard1,
    optimum 17 at x = 1; 2: optimum -7 at x = 5, by a brute force over x of the follower's
    projection onto [max(0, 2x - 8), min(3x - 3, 7 - x)])."""
    g = so.models.bard1()
    g.k = pyo.Param(initialize=0.0, mutable=True)
    g.bonus = pyo.Expression(expr=g.k * (g.x - 1) ** 2)
    g.o = pyo.Objective(expr=g.cost.expr - g.bonus)
    g.cost.deactivate()
    return g


def test_certify_grants_optimal_only_on_the_game_the_bound_was_proven_on():
    """sos1 proves 17 optimal for k = 0; with k = 2 the optimum is -7 at x = 5, and certify
    granted optimal at 17 on the old bound. Unchanged, the game keeps its proof."""
    g = _bard1_with_a_bonus()
    res = so.solve(g, method="mpec", strategy="sos1")
    assert (res.status, res.leader_objective) == ("optimal", pytest.approx(17))
    assert so.certify(g, res).status == "optimal"
    g.k = 2.0
    again = so.certify(g, res)
    assert again.status == "locally_optimal" and "not the one the global bound" in again.message
    fresh = so.solve(g, method="mpec", strategy="sos1")
    assert (fresh.status, fresh.leader_objective) == ("optimal", pytest.approx(-7))


def test_certify_earns_the_full_status_of_a_result_solved_without_the_certificate():
    """A sweep with certify=False, then the interesting point certified: the method's claim is
    checked in full (it stayed feasible: the status was taken as the claim)."""
    g = so.models.duopoly()
    fast = so.solve(g, method="mpec", certify=False)
    assert fast.status == "feasible" and fast.certificate.claim == "locally_optimal"
    assert so.certify(g, fast).status == "locally_optimal"


def _needle(n: int) -> so.StackelbergGame:
    """A follower of ``n`` Vars whose best response hides in a needle: y0 = 3 gains 1 at x = 1,
    where the smooth part alone answers y = x (the leader's objective then about 4, not 0)."""
    g = so.StackelbergGame()
    g.x = pyo.Var(bounds=(0, 5), initialize=2)
    g.F = so.Follower()
    g.F.y = pyo.Var(range(n), bounds=(-10, 10), initialize=2)
    y = g.F.y
    g.F.obj = pyo.Objective(
        expr=sum((y[j] - g.x) ** 2 for j in range(n)) - 5 * pyo.exp(-(((y[0] - 3) / 0.01) ** 2))
    )
    g.obj = pyo.Objective(expr=(y[0] - 1) ** 2 + 0.01 * (g.x - 1) ** 2)
    return g


def test_a_success_on_a_local_nash_gap_says_that_the_gap_is_a_lower_bound():
    """Five Vars: Ipopt's random starts miss the needle, and the success says what it rests on;
    one Var: SCIP finds the better response, and no success is granted at x = 1."""
    res = so.solve(_needle(5), method="stackelberg-br")
    assert res.success and not res.certificate.equilibrium.exact
    assert any("Nash gaps of F are lower bounds" in w for w in res.warnings), res.warnings
    small = so.solve(_needle(1), method="stackelberg-br")
    assert small.certificate.equilibrium.exact
    assert not any("lower bounds" in w for w in small.warnings)


def test_a_follower_with_many_degenerate_multipliers_is_not_enumerated_without_end():
    """The toll game's follower has about 20 arcs at their bound and a rank-deficient node
    balance: the vertices of its multiplier set were sought over about 10^6 supports, one
    least-squares solve each, for minutes past any time limit (the default solve with
    time_limit=20 took 109 s). Beyond MAX_VERTEX_SUPPORTS the stationarity is not certified."""
    from tests.games import toll_grid

    res = so.solve(toll_grid(), time_limit=20)
    assert res.status == "feasible", res.message
    assert "supports to try for a follower's vertices" in res.message
